package authz

import (
	_ "embed"
	"fmt"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

//go:embed policies.yaml
var policiesYAML []byte

// Rule sources (how much of a policy's rules is known).
const (
	SourceDocTable      = "doc-table"
	SourceDocTextApprox = "doc-text-approx"
	SourceThirdParty    = "3p-approx"
	SourceUnknown       = "unknown"
)

// Policy is an EKS access policy with the Kubernetes rules it grants.
type Policy struct {
	Name              string              `json:"name"`
	Source            string              `json:"source"`
	ServiceLinkedOnly bool                `json:"serviceLinkedOnly"`
	Rules             []rbacv1.PolicyRule `json:"rules"`
}

// Approximate reports whether the rules are not AWS's published table.
func (p Policy) Approximate() bool { return p.Source != SourceDocTable }

// LoadCatalogue parses the embedded catalogue (policies.yaml).
func LoadCatalogue() (map[string]Policy, error) {
	var list []Policy
	if err := yaml.UnmarshalStrict(policiesYAML, &list); err != nil {
		return nil, fmt.Errorf("authz: policies.yaml: %w", err)
	}
	out := make(map[string]Policy, len(list))
	for _, p := range list {
		switch p.Source {
		case SourceDocTable, SourceDocTextApprox, SourceThirdParty, SourceUnknown:
		default:
			return nil, fmt.Errorf("authz: policies.yaml: %s: unknown source %q", p.Name, p.Source)
		}
		if _, dup := out[p.Name]; dup {
			return nil, fmt.Errorf("authz: policies.yaml: %s listed twice", p.Name)
		}
		out[p.Name] = p
	}
	return out, nil
}
