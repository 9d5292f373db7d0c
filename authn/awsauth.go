package authn

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	yamlv2 "go.yaml.in/yaml/v2"
	"sigs.k8s.io/yaml"
)

// RoleMapping is a mapRoles entry of aws-auth (aws-iam-authenticator pkg/config).
type RoleMapping struct {
	RoleARN  string          `json:"rolearn"`
	SSO      json.RawMessage `json:"sso,omitempty"`
	Username string          `json:"username"`
	Groups   []string        `json:"groups"`
}

// UserMapping is a mapUsers entry of aws-auth.
type UserMapping struct {
	UserARN  string   `json:"userarn"`
	Username string   `json:"username"`
	Groups   []string `json:"groups"`
}

// AWSAuth is a parsed kube-system/aws-auth ConfigMap.
type AWSAuth struct {
	Roles    []RoleMapping
	Users    []UserMapping
	Accounts []string
}

// ParseAWSAuth parses aws-auth's data with aws-iam-authenticator's semantics
// (authenticator.md §4.4): each of mapRoles, mapUsers and mapAccounts on its
// own; a YAML error drops that key only; a field of the wrong type leaves the
// entry with that field empty; an entry without rolearn (or sso) / userarn is
// dropped. Whatever parsed is returned together with every error met.
func ParseAWSAuth(data map[string]string) (AWSAuth, error) {
	var out AWSAuth
	var errs []error
	if raw, ok := data["mapRoles"]; ok && !skippable(raw) {
		var roles []RoleMapping
		errs = append(errs, decodeList(raw, &roles))
		for _, r := range roles {
			if r.RoleARN == "" && len(r.SSO) == 0 {
				errs = append(errs, errors.New("one of rolearn or SSO must be supplied"))
				continue
			}
			out.Roles = append(out.Roles, r)
		}
	}
	if raw, ok := data["mapUsers"]; ok && !skippable(raw) {
		var users []UserMapping
		errs = append(errs, decodeList(raw, &users))
		for _, u := range users {
			if u.UserARN == "" {
				errs = append(errs, errors.New("value for userarn must be supplied"))
				continue
			}
			out.Users = append(out.Users, u)
		}
	}
	if raw, ok := data["mapAccounts"]; ok && !skippable(raw) {
		if err := yamlv2.Unmarshal([]byte(raw), &out.Accounts); err != nil {
			out.Accounts = nil
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return out, fmt.Errorf("error parsing config map: %w", err)
	}
	return out, nil
}

// decodeList converts YAML to JSON and decodes it; encoding/json keeps every
// field it could decode and reports the first type error.
func decodeList(raw string, v any) error {
	js, err := yaml.YAMLToJSON([]byte(raw))
	if err != nil {
		return err
	}
	return json.Unmarshal(js, v)
}

func skippable(s string) bool {
	t := strings.TrimSpace(s)
	return t == "" || t == "``" || t == `""` || t == "''"
}

// lookup finds the mapping of a canonical ARN: mapRoles first, then mapUsers,
// case-insensitively, the last of duplicates winning.
func (a AWSAuth) lookup(canonicalARN string) (username string, groups []string, ok bool) {
	for i := len(a.Roles) - 1; i >= 0; i-- {
		if strings.EqualFold(a.Roles[i].RoleARN, canonicalARN) {
			return a.Roles[i].Username, a.Roles[i].Groups, true
		}
	}
	for i := len(a.Users) - 1; i >= 0; i-- {
		if strings.EqualFold(a.Users[i].UserARN, canonicalARN) {
			return a.Users[i].Username, a.Users[i].Groups, true
		}
	}
	return "", nil, false
}

func (a AWSAuth) allowsAccount(account string) bool {
	for _, acct := range a.Accounts {
		if acct == account {
			return true
		}
	}
	return false
}
