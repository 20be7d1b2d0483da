package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

func ms(d time.Duration) string { return fmt.Sprintf("%.3f", float64(d)/float64(time.Millisecond)) }

// writeTable prints one row per server and operation, then the ours/moto ratios.
func writeTable(w io.Writer, cfg config, rep *report) {
	for name, err := range rep.unavailable {
		fmt.Fprintf(w, "%s not measured: %v\n", name, err)
	}
	if len(rep.results) == 0 {
		return
	}
	fmt.Fprintf(w, "\nload: %d connections, %s per scenario after %s warm-up, %d secrets of %d B\n\n",
		cfg.conns, cfg.duration, cfg.warmup, cfg.secrets, loadValueSize)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "server\toperation\trequests/s\tp50 ms\tp99 ms\trequests\terrors\tconns opened\t")
	for _, r := range rep.results {
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%s\t%s\t%d\t%d\t%d\t\n",
			r.server, r.op, r.rate(), ms(r.p50), ms(r.p99), r.ok, r.errors, r.dials)
	}
	tw.Flush()
	writeNotes(w, cfg, rep.results)
	writeRatios(w, rep.results)
}

// writeNotes explains rows that are not what they seem: errors, and servers that close
// keep-alive connections (moto's answers carry "Connection: close"), whose latency then
// includes a TCP connect.
func writeNotes(w io.Writer, cfg config, results []result) {
	for _, r := range results {
		if r.firstErr != "" {
			fmt.Fprintf(w, "first error of %s %s: %s\n", r.server, r.op, r.firstErr)
		}
		if r.dials > int64(2*cfg.conns) {
			fmt.Fprintf(w, "note: %s %s opened %d connections with at most %d at a time: the server did not keep them alive, so its latency includes a TCP connect\n",
				r.server, r.op, r.dials, cfg.conns)
		}
	}
}

// writeRatios prints ours/moto for every operation that both servers ran.
func writeRatios(w io.Writer, results []result) {
	find := func(server, op string) (result, bool) {
		for _, r := range results {
			if r.server == server && r.op == op && r.ok > 0 {
				return r, true
			}
		}
		return result{}, false
	}
	header := false
	for _, ours := range results {
		if ours.server != serverOurs {
			continue
		}
		moto, ok := find(serverMoto, ours.op)
		if !ok || ours.ok == 0 {
			continue
		}
		if !header {
			fmt.Fprintln(w, "\nours/moto:")
			header = true
		}
		fmt.Fprintf(w, "  %-15s requests/s %.3gx   p50 %.3gx   p99 %.3gx\n", ours.op,
			ours.rate()/moto.rate(), ratio(ours.p50, moto.p50), ratio(ours.p99, moto.p99))
	}
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func writeMemory(w io.Writer, m memResult) {
	const mib = 1 << 20
	fmt.Fprintf(w, "\nmemory (ours, in-process): %d secrets x %d versions x %d B = %.1f MiB of SecretString, created in %s\n",
		m.secrets, m.versions, memValueSize, float64(m.payload)/mib, m.elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "  HeapInuse delta %.1f MiB, %d B per secret, %.2fx the payload\n",
		float64(m.heapDelta)/mib, m.heapDelta/int64(m.secrets), float64(m.heapDelta)/float64(m.payload))
	if m.listedVersions >= 0 {
		fmt.Fprintf(w, "  ListSecretVersionIds of the first secret: %d versions\n", m.listedVersions)
	}
}
