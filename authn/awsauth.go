package authn

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	yamlv2 "go.yaml.in/yaml/v2"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/eksemu/eksemu/awsid"
)

// RoleMapping is a mapRoles entry of aws-auth (aws-iam-authenticator pkg/config).
type RoleMapping struct {
	RoleARN  string      `json:"rolearn"`
	SSO      *SSOMatcher `json:"sso,omitempty"`
	Username string      `json:"username"`
	Groups   []string    `json:"groups"`
}

// SSOMatcher is the sso block of a mapRoles entry. Matching on it sits behind
// the authenticator's alpha feature gate SSORoleMatch (off), so such entries
// are validated and kept but never match (authenticator.md §3.2).
type SSOMatcher struct {
	PermissionSetName string `json:"permissionSetName"`
	AccountID         string `json:"accountID"`
	Partition         string `json:"partition,omitempty"`
}

var permissionSetName = regexp.MustCompile(`^[\w+=,.@-]{1,32}$`)

// validate is the authenticator's RoleMapping.Validate.
func (r RoleMapping) validate() error {
	switch {
	case r.RoleARN == "" && r.SSO == nil:
		return errors.New("one of rolearn or SSO must be supplied")
	case r.RoleARN != "" && r.SSO != nil:
		return errors.New("only one of rolearn or SSO can be supplied")
	case r.SSO == nil:
		return nil
	case !awsid.IsAccountID(r.SSO.AccountID):
		return fmt.Errorf("AccountID '%s' is not a valid AWS Account ID", r.SSO.AccountID)
	case !permissionSetName.MatchString(r.SSO.PermissionSetName):
		return fmt.Errorf("PermissionSetName '%s' is not a valid AWS SSO PermissionSet Name", r.SSO.PermissionSetName)
	case r.SSO.Partition != "" && !awsid.KnownPartition(r.SSO.Partition):
		return fmt.Errorf("partition '%s' is not a valid AWS partition", r.SSO.Partition)
	}
	return nil
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
// dropped (as is one with both, or with an invalid sso block). Whatever parsed
// is returned together with every error met.
func ParseAWSAuth(data map[string]string) (AWSAuth, error) {
	var out AWSAuth
	var errs []error
	if raw, ok := data["mapRoles"]; ok && !skippable(raw) {
		var roles []RoleMapping
		errs = append(errs, decodeList(raw, &roles))
		for _, r := range roles {
			if err := r.validate(); err != nil {
				errs = append(errs, err)
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
		// On a type error yaml.v2 still returns the elements it could decode;
		// the authenticator keeps them.
		if err := yamlv2.Unmarshal([]byte(raw), &out.Accounts); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return out, fmt.Errorf("error parsing config map: %w", err)
	}
	return out, nil
}

// decodeList converts YAML to JSON (input starting with "{" is taken as JSON
// already, as apimachinery's ToJSON does) and decodes it; encoding/json keeps
// every field it could decode and reports the first type error.
func decodeList(raw string, v any) error {
	js, err := utilyaml.ToJSON([]byte(raw))
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
