package apikey

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// jsonPath is a simple path into a decoded JSON document: field names separated by dots,
// array indexes in brackets or as a numeric segment ("data.keys[0].secret",
// "data.keys.0.secret"); "$" alone is the whole document, and a leading "$." is allowed.
// Field names containing '.', '[' or ']' cannot be written.
type jsonPath struct {
	text  string
	steps []pathStep
}

type pathStep struct {
	field string // a field name, or digits usable as an index too
	index int
	isIdx bool // written as [n]
}

// parsePath parses a path; the error says what is wrong and where, and quotes the path
// (paths are configuration, not secrets).
func parsePath(text string) (jsonPath, error) {
	p := jsonPath{text: text}
	rest := strings.TrimSpace(text)
	if rest == "" {
		return p, errors.New("empty JSON path")
	}
	if rest == "$" {
		return p, nil
	}
	rest = strings.TrimPrefix(rest, "$.")
	if strings.HasPrefix(rest, "$[") {
		rest = rest[1:]
	}
	pos := len(text) - len(rest)
	for seg := range strings.SplitSeq(rest, ".") {
		if seg == "" {
			return p, fmt.Errorf("JSON path %q has an empty segment at byte %d (two dots, or a dot at an end)", text, pos)
		}
		name, brackets, _ := strings.Cut(seg, "[")
		if strings.Contains(name, "]") {
			return p, fmt.Errorf("JSON path %q: unexpected ']' in segment %q", text, seg)
		}
		if name != "" {
			p.steps = append(p.steps, pathStep{field: name})
		}
		if brackets != "" || strings.Contains(seg, "[") {
			brackets = "[" + brackets
			for brackets != "" {
				if brackets[0] != '[' {
					return p, fmt.Errorf("JSON path %q: unexpected %q after an index in segment %q", text, brackets, seg)
				}
				end := strings.IndexByte(brackets, ']')
				if end < 0 {
					return p, fmt.Errorf("JSON path %q: unclosed '[' in segment %q", text, seg)
				}
				n, err := strconv.Atoi(brackets[1:end])
				if err != nil || n < 0 || brackets[1] == '+' {
					return p, fmt.Errorf("JSON path %q: index %q in segment %q is not a non-negative integer", text, brackets[1:end], seg)
				}
				p.steps = append(p.steps, pathStep{index: n, isIdx: true})
				brackets = brackets[end+1:]
			}
		}
		pos += len(seg) + 1
	}
	return p, nil
}

func (p jsonPath) String() string { return p.text }

// lookup returns the value at the path in doc (decoded with UseNumber). The error names
// the part of the path that is missing or has the wrong type, and the fields that exist,
// never a value.
func (p jsonPath) lookup(doc any) (any, error) {
	cur := doc
	var walked strings.Builder
	walked.WriteString("$")
	for _, st := range p.steps {
		here := walked.String()
		switch v := cur.(type) {
		case map[string]any:
			if st.isIdx {
				return nil, fmt.Errorf("%s is an object, not an array (index [%d])", here, st.index)
			}
			next, ok := v[st.field]
			if !ok {
				return nil, fmt.Errorf("%s has no field %q (its fields: %s)", here, st.field, fieldList(v))
			}
			cur = next
			walked.WriteString("." + st.field)
		case []any:
			idx := st.index
			if !st.isIdx {
				n, err := strconv.Atoi(st.field)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("%s is an array, not an object (field %q)", here, st.field)
				}
				idx = n
			}
			if idx >= len(v) {
				return nil, fmt.Errorf("%s has %d items, no index %d", here, len(v), idx)
			}
			cur = v[idx]
			fmt.Fprintf(&walked, "[%d]", idx)
		default:
			what := "field " + strconv.Quote(st.field)
			if st.isIdx {
				what = fmt.Sprintf("index [%d]", st.index)
			}
			return nil, fmt.Errorf("%s is %s, so it has no %s", here, kindOf(cur), what)
		}
	}
	return cur, nil
}

// lookupString returns a string value; numbers are accepted as their text when number is
// true (key ids are often numbers).
func (p jsonPath) lookupString(doc any, number bool) (string, error) {
	v, err := p.lookup(doc)
	if err != nil {
		return "", err
	}
	switch x := v.(type) {
	case string:
		if x == "" {
			return "", errors.New("the value there is an empty string")
		}
		return x, nil
	case json.Number:
		if number {
			return x.String(), nil
		}
	}
	return "", fmt.Errorf("the value there is %s, not a string", kindOf(v))
}

func fieldList(m map[string]any) string {
	if len(m) == 0 {
		return "none"
	}
	keys := slices.Sorted(maps.Keys(m))
	if len(keys) > 20 {
		keys = append(keys[:20], "...")
	}
	return strings.Join(keys, ", ")
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number, float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("a %T", v)
}
