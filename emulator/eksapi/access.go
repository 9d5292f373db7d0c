package eksapi

import (
	"context"

	"github.com/eksemu/eksemu/store"
)

// accessEntryOut is the AccessEntry shape, members in model order.
type accessEntryOut struct {
	ClusterName      string            `json:"clusterName"`
	PrincipalArn     string            `json:"principalArn"`
	KubernetesGroups []string          `json:"kubernetesGroups"`
	AccessEntryArn   string            `json:"accessEntryArn"`
	CreatedAt        epoch             `json:"createdAt"`
	ModifiedAt       epoch             `json:"modifiedAt"`
	Tags             map[string]string `json:"tags"`
	Username         string            `json:"username"`
	Type             string            `json:"type"`
}

func entryOf(e store.AccessEntry) map[string]any {
	groups := e.KubernetesGroups
	if groups == nil {
		groups = []string{}
	}
	return map[string]any{"accessEntry": accessEntryOut{
		ClusterName: e.Cluster, PrincipalArn: e.PrincipalARN, KubernetesGroups: groups, AccessEntryArn: e.ARN,
		CreatedAt: epoch(e.CreatedAt), ModifiedAt: epoch(e.ModifiedAt), Tags: e.Tags, Username: e.Username, Type: e.Type,
	}}
}

func (s *Server) createAccessEntry(ctx context.Context, c *call) (any, error) {
	var in struct {
		PrincipalArn       string            `json:"principalArn"`
		KubernetesGroups   []string          `json:"kubernetesGroups"`
		Tags               map[string]string `json:"tags"`
		ClientRequestToken string            `json:"clientRequestToken"`
		Username           string            `json:"username"`
		Type               string            `json:"type"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	e, err := s.deps.DB.CreateAccessEntry(ctx, c.key(), store.CreateAccessEntryInput{
		PrincipalARN: in.PrincipalArn, KubernetesGroups: in.KubernetesGroups, Tags: in.Tags,
		ClientRequestToken: in.ClientRequestToken, Username: in.Username, Type: in.Type,
	})
	if err != nil {
		return nil, err
	}
	return entryOf(e), nil
}

func (s *Server) describeAccessEntry(ctx context.Context, c *call) (any, error) {
	e, err := s.deps.DB.DescribeAccessEntry(ctx, c.key(), c.vars["principalArn"])
	if err != nil {
		return nil, err
	}
	return entryOf(e), nil
}

func (s *Server) listAccessEntries(ctx context.Context, c *call) (any, error) {
	arns, next, err := s.deps.DB.ListAccessEntries(ctx, c.key(), c.query.Get("associatedPolicyArn"), c.page())
	if err != nil {
		return nil, err
	}
	return struct {
		AccessEntries []string `json:"accessEntries"`
		NextToken     string   `json:"nextToken,omitempty"`
	}{arns, next}, nil
}

func (s *Server) updateAccessEntry(ctx context.Context, c *call) (any, error) {
	var in struct {
		KubernetesGroups   *[]string `json:"kubernetesGroups"`
		Username           *string   `json:"username"`
		ClientRequestToken string    `json:"clientRequestToken"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	e, err := s.deps.DB.UpdateAccessEntry(ctx, c.key(), c.vars["principalArn"], store.UpdateAccessEntryInput{
		KubernetesGroups: in.KubernetesGroups, Username: in.Username, ClientRequestToken: in.ClientRequestToken,
	})
	if err != nil {
		return nil, err
	}
	return entryOf(e), nil
}

func (s *Server) deleteAccessEntry(ctx context.Context, c *call) (any, error) {
	if err := s.deps.DB.DeleteAccessEntry(ctx, c.key(), c.vars["principalArn"]); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

type scopeOut struct {
	Type       string   `json:"type"`
	Namespaces []string `json:"namespaces"`
}

type associatedOut struct {
	PolicyArn    string   `json:"policyArn"`
	AccessScope  scopeOut `json:"accessScope"`
	AssociatedAt epoch    `json:"associatedAt"`
	ModifiedAt   epoch    `json:"modifiedAt"`
}

func associatedOf(a store.AssociatedPolicy) associatedOut {
	ns := a.Scope.Namespaces
	if ns == nil {
		ns = []string{}
	}
	return associatedOut{PolicyArn: a.PolicyARN, AccessScope: scopeOut{Type: a.Scope.Type, Namespaces: ns},
		AssociatedAt: epoch(a.AssociatedAt), ModifiedAt: epoch(a.ModifiedAt)}
}

func (s *Server) associateAccessPolicy(ctx context.Context, c *call) (any, error) {
	var in struct {
		PolicyArn   string `json:"policyArn"`
		AccessScope struct {
			Type       string   `json:"type"`
			Namespaces []string `json:"namespaces"`
		} `json:"accessScope"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	a, err := s.deps.DB.AssociateAccessPolicy(ctx, c.key(), c.vars["principalArn"], in.PolicyArn,
		store.AccessScope{Type: in.AccessScope.Type, Namespaces: in.AccessScope.Namespaces})
	if err != nil {
		return nil, err
	}
	return struct {
		ClusterName            string        `json:"clusterName"`
		PrincipalArn           string        `json:"principalArn"`
		AssociatedAccessPolicy associatedOut `json:"associatedAccessPolicy"`
	}{c.vars["name"], c.vars["principalArn"], associatedOf(a)}, nil
}

func (s *Server) listAssociatedAccessPolicies(ctx context.Context, c *call) (any, error) {
	list, next, err := s.deps.DB.ListAssociatedAccessPolicies(ctx, c.key(), c.vars["principalArn"], c.page())
	if err != nil {
		return nil, err
	}
	out := make([]associatedOut, len(list))
	for i, a := range list {
		out[i] = associatedOf(a)
	}
	return struct {
		ClusterName              string          `json:"clusterName"`
		PrincipalArn             string          `json:"principalArn"`
		NextToken                string          `json:"nextToken,omitempty"`
		AssociatedAccessPolicies []associatedOut `json:"associatedAccessPolicies"`
	}{c.vars["name"], c.vars["principalArn"], next, out}, nil
}

func (s *Server) disassociateAccessPolicy(ctx context.Context, c *call) (any, error) {
	if err := s.deps.DB.DisassociateAccessPolicy(ctx, c.key(), c.vars["principalArn"], c.vars["policyArn"]); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (s *Server) listAccessPolicies(_ context.Context, c *call) (any, error) {
	list, next, err := s.deps.DB.ListAccessPolicies(c.page())
	if err != nil {
		return nil, err
	}
	type policy struct {
		Name string `json:"name"`
		Arn  string `json:"arn"`
	}
	out := make([]policy, len(list))
	for i, p := range list {
		out[i] = policy{Name: p.Name, Arn: p.ARN}
	}
	return struct {
		AccessPolicies []policy `json:"accessPolicies"`
		NextToken      string   `json:"nextToken,omitempty"`
	}{out, next}, nil
}

func (s *Server) tagResource(ctx context.Context, c *call) (any, error) {
	var in struct {
		Tags map[string]string `json:"tags"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := s.deps.DB.TagResource(ctx, c.vars["resourceArn"], in.Tags); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (s *Server) untagResource(ctx context.Context, c *call) (any, error) {
	if err := s.deps.DB.UntagResource(ctx, c.vars["resourceArn"], c.query["tagKeys"]); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (s *Server) listTagsForResource(ctx context.Context, c *call) (any, error) {
	tags, err := s.deps.DB.ListTagsForResource(ctx, c.vars["resourceArn"])
	if err != nil {
		return nil, err
	}
	return map[string]any{"tags": tags}, nil
}
