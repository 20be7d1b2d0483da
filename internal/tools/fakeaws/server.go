package main

import (
	"context"
	"fmt"
	"sort"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/tools/fakeaws/awsschema"
)

// server implements tfprotov6.ProviderServer from the recorded schema.
type server struct {
	schemas *awsschema.Schemas
	loadErr error
}

func newServer(s *awsschema.Schemas, loadErr error) *server {
	return &server{schemas: s, loadErr: loadErr}
}

var _ tfprotov6.ProviderServer = (*server)(nil)

func errorDiag(summary, detail string) *tfprotov6.Diagnostic {
	return &tfprotov6.Diagnostic{Severity: tfprotov6.DiagnosticSeverityError, Summary: summary, Detail: detail}
}

// notServed is the answer of every RPC that would need real AWS.
func notServed(what string) []*tfprotov6.Diagnostic {
	return []*tfprotov6.Diagnostic{errorDiag("fakeaws cannot "+what,
		"fakeaws is a test-only stand-in for hashicorp/aws that serves its schema and validation only. "+
			"Use it with `terraform validate`, or with `terraform test` and mock_provider \"aws\", which makes up the values itself.")}
}

func (s *server) loadDiags() []*tfprotov6.Diagnostic {
	if s.loadErr == nil {
		return nil
	}
	return []*tfprotov6.Diagnostic{errorDiag("fakeaws: cannot load the hashicorp/aws schema", s.loadErr.Error())}
}

func (s *server) GetMetadata(context.Context, *tfprotov6.GetMetadataRequest) (*tfprotov6.GetMetadataResponse, error) {
	resp := &tfprotov6.GetMetadataResponse{ServerCapabilities: &tfprotov6.ServerCapabilities{}}
	if d := s.loadDiags(); d != nil {
		resp.Diagnostics = d
		return resp, nil
	}
	for _, n := range sortedNames(s.schemas.Resources) {
		resp.Resources = append(resp.Resources, tfprotov6.ResourceMetadata{TypeName: n})
	}
	for _, n := range sortedNames(s.schemas.DataSources) {
		resp.DataSources = append(resp.DataSources, tfprotov6.DataSourceMetadata{TypeName: n})
	}
	for _, n := range sortedNames(s.schemas.EphemeralResources) {
		resp.EphemeralResources = append(resp.EphemeralResources, tfprotov6.EphemeralResourceMetadata{TypeName: n})
	}
	return resp, nil
}

func (s *server) GetProviderSchema(context.Context, *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	resp := &tfprotov6.GetProviderSchemaResponse{ServerCapabilities: &tfprotov6.ServerCapabilities{}}
	if d := s.loadDiags(); d != nil {
		resp.Diagnostics = d
		return resp, nil
	}
	resp.Provider = s.schemas.Provider
	resp.ResourceSchemas = s.schemas.Resources
	resp.DataSourceSchemas = s.schemas.DataSources
	resp.EphemeralResourceSchemas = s.schemas.EphemeralResources
	resp.Functions = map[string]*tfprotov6.Function{}
	return resp, nil
}

func (s *server) GetResourceIdentitySchemas(context.Context, *tfprotov6.GetResourceIdentitySchemasRequest) (*tfprotov6.GetResourceIdentitySchemasResponse, error) {
	return &tfprotov6.GetResourceIdentitySchemasResponse{IdentitySchemas: map[string]*tfprotov6.ResourceIdentitySchema{}}, nil
}

func (s *server) ValidateProviderConfig(_ context.Context, req *tfprotov6.ValidateProviderConfigRequest) (*tfprotov6.ValidateProviderConfigResponse, error) {
	resp := &tfprotov6.ValidateProviderConfigResponse{PreparedConfig: req.Config}
	if d := s.loadDiags(); d != nil {
		resp.Diagnostics = d
		return resp, nil
	}
	resp.Diagnostics = validateConfig("provider", s.schemas.Provider, req.Config)
	return resp, nil
}

// ConfigureProvider accepts any configuration: there are no credentials to check.
func (s *server) ConfigureProvider(context.Context, *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	return &tfprotov6.ConfigureProviderResponse{Diagnostics: s.loadDiags()}, nil
}

func (s *server) StopProvider(context.Context, *tfprotov6.StopProviderRequest) (*tfprotov6.StopProviderResponse, error) {
	return &tfprotov6.StopProviderResponse{}, nil
}

// schemaFor returns the schema of a resource type, or a diagnostic naming the types that
// exist: a module that uses a type outside the recorded set must fail loudly, since the
// modules may use only what the real schema file lists.
func schemaFor(kind string, set map[string]*tfprotov6.Schema, name string) (*tfprotov6.Schema, []*tfprotov6.Diagnostic) {
	if sch, ok := set[name]; ok {
		return sch, nil
	}
	return nil, []*tfprotov6.Diagnostic{errorDiag(fmt.Sprintf("fakeaws: unknown %s type %s", kind, name),
		fmt.Sprintf("The recorded hashicorp/aws schema has no %s %s. Types it has: %v", kind, name, sortedNames(set)))}
}

func (s *server) ValidateResourceConfig(_ context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	if d := s.loadDiags(); d != nil {
		return &tfprotov6.ValidateResourceConfigResponse{Diagnostics: d}, nil
	}
	sch, d := schemaFor("resource", s.schemas.Resources, req.TypeName)
	if d != nil {
		return &tfprotov6.ValidateResourceConfigResponse{Diagnostics: d}, nil
	}
	return &tfprotov6.ValidateResourceConfigResponse{Diagnostics: validateConfig(req.TypeName, sch, req.Config)}, nil
}

func (s *server) ValidateDataResourceConfig(_ context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	if d := s.loadDiags(); d != nil {
		return &tfprotov6.ValidateDataResourceConfigResponse{Diagnostics: d}, nil
	}
	sch, d := schemaFor("data source", s.schemas.DataSources, req.TypeName)
	if d != nil {
		return &tfprotov6.ValidateDataResourceConfigResponse{Diagnostics: d}, nil
	}
	return &tfprotov6.ValidateDataResourceConfigResponse{Diagnostics: validateConfig("data."+req.TypeName, sch, req.Config)}, nil
}

func (s *server) ValidateEphemeralResourceConfig(_ context.Context, req *tfprotov6.ValidateEphemeralResourceConfigRequest) (*tfprotov6.ValidateEphemeralResourceConfigResponse, error) {
	if d := s.loadDiags(); d != nil {
		return &tfprotov6.ValidateEphemeralResourceConfigResponse{Diagnostics: d}, nil
	}
	sch, d := schemaFor("ephemeral resource", s.schemas.EphemeralResources, req.TypeName)
	if d != nil {
		return &tfprotov6.ValidateEphemeralResourceConfigResponse{Diagnostics: d}, nil
	}
	return &tfprotov6.ValidateEphemeralResourceConfigResponse{Diagnostics: validateConfig("ephemeral."+req.TypeName, sch, req.Config)}, nil
}

// UpgradeResourceState decodes the stored JSON as it is: the recorded schema is the only
// version there is. Attributes the schema no longer has are dropped, as providers do.
func (s *server) UpgradeResourceState(_ context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	if d := s.loadDiags(); d != nil {
		return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: d}, nil
	}
	sch, d := schemaFor("resource", s.schemas.Resources, req.TypeName)
	if d != nil {
		return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: d}, nil
	}
	typ := sch.ValueType()
	if req.RawState == nil || req.RawState.JSON == nil {
		return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: []*tfprotov6.Diagnostic{
			errorDiag("fakeaws: cannot upgrade state", "only JSON state is supported")}}, nil
	}
	v, err := req.RawState.UnmarshalWithOpts(typ, tfprotov6.UnmarshalOpts{
		ValueFromJSONOpts: tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true}})
	if err != nil {
		return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: []*tfprotov6.Diagnostic{
			errorDiag("fakeaws: cannot decode state", err.Error())}}, nil
	}
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	if err != nil {
		return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: []*tfprotov6.Diagnostic{
			errorDiag("fakeaws: cannot encode state", err.Error())}}, nil
	}
	return &tfprotov6.UpgradeResourceStateResponse{UpgradedState: &dv}, nil
}

// ReadResource reports the state unchanged: there is no remote object to compare with.
func (s *server) ReadResource(_ context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return &tfprotov6.ReadResourceResponse{NewState: req.CurrentState, Private: req.Private}, nil
}

// PlanResourceChange plans like a provider that knows nothing in advance: on create, every
// computed attribute the configuration leaves null becomes unknown ("known after apply").
// On update the prior values Terraform carried into the proposed state are kept, and on
// destroy the plan is null.
func (s *server) PlanResourceChange(_ context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	if d := s.loadDiags(); d != nil {
		return &tfprotov6.PlanResourceChangeResponse{Diagnostics: d}, nil
	}
	sch, d := schemaFor("resource", s.schemas.Resources, req.TypeName)
	if d != nil {
		return &tfprotov6.PlanResourceChangeResponse{Diagnostics: d}, nil
	}
	typ := sch.ValueType()
	proposed, err := req.ProposedNewState.Unmarshal(typ)
	if err != nil {
		return &tfprotov6.PlanResourceChangeResponse{Diagnostics: []*tfprotov6.Diagnostic{
			errorDiag("fakeaws: cannot decode the proposed state", err.Error())}}, nil
	}
	prior, err := req.PriorState.Unmarshal(typ)
	if err != nil {
		return &tfprotov6.PlanResourceChangeResponse{Diagnostics: []*tfprotov6.Diagnostic{
			errorDiag("fakeaws: cannot decode the prior state", err.Error())}}, nil
	}
	planned := proposed
	if !proposed.IsNull() && prior.IsNull() {
		planned, err = unknownComputed(sch.Block, proposed)
		if err != nil {
			return &tfprotov6.PlanResourceChangeResponse{Diagnostics: []*tfprotov6.Diagnostic{
				errorDiag("fakeaws: cannot plan", err.Error())}}, nil
		}
	}
	dv, err := tfprotov6.NewDynamicValue(typ, planned)
	if err != nil {
		return &tfprotov6.PlanResourceChangeResponse{Diagnostics: []*tfprotov6.Diagnostic{
			errorDiag("fakeaws: cannot encode the plan", err.Error())}}, nil
	}
	return &tfprotov6.PlanResourceChangeResponse{PlannedState: &dv, PlannedPrivate: req.PriorPrivate}, nil
}

// ApplyResourceChange lets a destroy through (nothing exists) and refuses everything else.
func (s *server) ApplyResourceChange(_ context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	if req.PlannedState != nil {
		if sch, ok := s.schemas.Resources[req.TypeName]; ok {
			if v, err := req.PlannedState.Unmarshal(sch.ValueType()); err == nil && v.IsNull() {
				return &tfprotov6.ApplyResourceChangeResponse{NewState: req.PlannedState}, nil
			}
		}
	}
	return &tfprotov6.ApplyResourceChangeResponse{Diagnostics: notServed("apply " + req.TypeName)}, nil
}

func (s *server) ImportResourceState(_ context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return &tfprotov6.ImportResourceStateResponse{Diagnostics: notServed("import " + req.TypeName)}, nil
}

func (s *server) MoveResourceState(_ context.Context, req *tfprotov6.MoveResourceStateRequest) (*tfprotov6.MoveResourceStateResponse, error) {
	return &tfprotov6.MoveResourceStateResponse{Diagnostics: notServed("move state into " + req.TargetTypeName)}, nil
}

func (s *server) UpgradeResourceIdentity(_ context.Context, req *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	return &tfprotov6.UpgradeResourceIdentityResponse{Diagnostics: notServed("upgrade the identity of " + req.TypeName)}, nil
}

func (s *server) GenerateResourceConfig(_ context.Context, req *tfprotov6.GenerateResourceConfigRequest) (*tfprotov6.GenerateResourceConfigResponse, error) {
	return &tfprotov6.GenerateResourceConfigResponse{Diagnostics: notServed("generate configuration for " + req.TypeName)}, nil
}

func (s *server) ReadDataSource(_ context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return &tfprotov6.ReadDataSourceResponse{Diagnostics: notServed("read data source " + req.TypeName)}, nil
}

func (s *server) OpenEphemeralResource(_ context.Context, req *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	return &tfprotov6.OpenEphemeralResourceResponse{Diagnostics: notServed("open ephemeral resource " + req.TypeName)}, nil
}

func (s *server) RenewEphemeralResource(context.Context, *tfprotov6.RenewEphemeralResourceRequest) (*tfprotov6.RenewEphemeralResourceResponse, error) {
	return &tfprotov6.RenewEphemeralResourceResponse{}, nil
}

func (s *server) CloseEphemeralResource(context.Context, *tfprotov6.CloseEphemeralResourceRequest) (*tfprotov6.CloseEphemeralResourceResponse, error) {
	return &tfprotov6.CloseEphemeralResourceResponse{}, nil
}

// The recorded schema has no provider functions.
func (s *server) GetFunctions(context.Context, *tfprotov6.GetFunctionsRequest) (*tfprotov6.GetFunctionsResponse, error) {
	return &tfprotov6.GetFunctionsResponse{Functions: map[string]*tfprotov6.Function{}}, nil
}

func (s *server) CallFunction(_ context.Context, req *tfprotov6.CallFunctionRequest) (*tfprotov6.CallFunctionResponse, error) {
	return &tfprotov6.CallFunctionResponse{Error: &tfprotov6.FunctionError{Text: "fakeaws has no function " + req.Name}}, nil
}

func sortedNames(m map[string]*tfprotov6.Schema) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
