package awsid

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

// PrincipalType is the kind of IAM or STS principal an ARN names.
type PrincipalType string

// Principal types, as they appear in the resource part of an ARN.
const (
	TypeUser          PrincipalType = "user"
	TypeRole          PrincipalType = "role"
	TypeRoot          PrincipalType = "root"
	TypeAssumedRole   PrincipalType = "assumed-role"
	TypeFederatedUser PrincipalType = "federated-user"
)

// partitions recognised by aws-iam-authenticator's arn.Canonicalize.
var knownPartitions = map[string]bool{
	"aws": true, "aws-cn": true, "aws-us-gov": true, "aws-iso": true,
	"aws-iso-b": true, "aws-iso-e": true, "aws-iso-f": true, "aws-eusc": true,
}

// KnownPartition reports whether p is an AWS partition name.
func KnownPartition(p string) bool { return knownPartitions[p] }

// Principal is a parsed IAM or STS principal ARN.
type Principal struct {
	Partition string
	Account   string
	Type      PrincipalType
	// Path is the IAM path of a user or role, "/" when none; empty for other types.
	Path string
	// Name is the user or role name (for assumed-role, the role name; for
	// federated-user, the user name).
	Name string
	// Session is the role session name of an assumed-role ARN.
	Session string
}

// ErrNotPrincipal is wrapped by ParsePrincipal errors.
var ErrNotPrincipal = errors.New("not an IAM principal ARN")

// ParsePrincipal parses arn:P:iam::A:user/[path/]N, arn:P:iam::A:role/[path/]N,
// arn:P:iam::A:root, arn:P:sts::A:assumed-role/R/S and arn:P:sts::A:federated-user/N.
func ParsePrincipal(s string) (Principal, error) {
	a, err := arn.Parse(s)
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrNotPrincipal, err)
	}
	if !knownPartitions[a.Partition] {
		return Principal{}, fmt.Errorf("%w: unknown partition %q", ErrNotPrincipal, a.Partition)
	}
	if a.Region != "" || !isAccountID(a.AccountID) {
		return Principal{}, fmt.Errorf("%w: %q", ErrNotPrincipal, s)
	}
	p := Principal{Partition: a.Partition, Account: a.AccountID}
	typ, rest, _ := strings.Cut(a.Resource, "/")
	switch {
	case a.Service == "iam" && a.Resource == "root":
		p.Type = TypeRoot
		return p, nil
	case a.Service == "iam" && (typ == "user" || typ == "role"):
		p.Type = PrincipalType(typ)
		i := strings.LastIndex(rest, "/")
		p.Path, p.Name = "/"+rest[:i+1], rest[i+1:]
		if i < 0 {
			p.Path = "/"
		}
		if p.Name == "" || strings.Contains(p.Path, "//") {
			return Principal{}, fmt.Errorf("%w: %q", ErrNotPrincipal, s)
		}
		return p, nil
	case a.Service == "sts" && typ == "assumed-role":
		role, session, ok := strings.Cut(rest, "/")
		if !ok || role == "" || session == "" || strings.Contains(session, "/") {
			return Principal{}, fmt.Errorf("%w: %q", ErrNotPrincipal, s)
		}
		p.Type, p.Name, p.Session = TypeAssumedRole, role, session
		return p, nil
	case a.Service == "sts" && typ == "federated-user":
		if rest == "" {
			return Principal{}, fmt.Errorf("%w: %q", ErrNotPrincipal, s)
		}
		p.Type, p.Name = TypeFederatedUser, rest
		return p, nil
	}
	return Principal{}, fmt.Errorf("%w: %q", ErrNotPrincipal, s)
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// IsAccountID reports whether s is a 12-digit AWS account ID.
func IsAccountID(s string) bool { return isAccountID(s) }

// String returns the ARN of p.
func (p Principal) String() string {
	switch p.Type {
	case TypeRoot:
		return RootARN(p.Partition, p.Account)
	case TypeUser, TypeRole:
		return fmt.Sprintf("arn:%s:iam::%s:%s%s%s", p.Partition, p.Account, p.Type, pathOrSlash(p.Path), p.Name)
	case TypeAssumedRole:
		return AssumedRoleARN(p.Partition, p.Account, p.Name, p.Session)
	case TypeFederatedUser:
		return fmt.Sprintf("arn:%s:sts::%s:federated-user/%s", p.Partition, p.Account, p.Name)
	}
	return ""
}

// Canonical returns the ARN aws-iam-authenticator matches on: an assumed-role
// session becomes the path-less role ARN; everything else is unchanged.
func (p Principal) Canonical() string {
	if p.Type == TypeAssumedRole {
		return fmt.Sprintf("arn:%s:iam::%s:role/%s", p.Partition, p.Account, p.Name)
	}
	return p.String()
}

func pathOrSlash(path string) string {
	if path == "" {
		return "/"
	}
	return path
}

// UserARN returns arn:P:iam::A:user{path}{name}.
func UserARN(partition, account, path, name string) string {
	return fmt.Sprintf("arn:%s:iam::%s:user%s%s", partition, account, pathOrSlash(path), name)
}

// RoleARN returns arn:P:iam::A:role{path}{name}.
func RoleARN(partition, account, path, name string) string {
	return fmt.Sprintf("arn:%s:iam::%s:role%s%s", partition, account, pathOrSlash(path), name)
}

// RootARN returns arn:P:iam::A:root.
func RootARN(partition, account string) string {
	return fmt.Sprintf("arn:%s:iam::%s:root", partition, account)
}

// AssumedRoleARN returns arn:P:sts::A:assumed-role/R/S (STS never includes the role path).
func AssumedRoleARN(partition, account, role, session string) string {
	return fmt.Sprintf("arn:%s:sts::%s:assumed-role/%s/%s", partition, account, role, session)
}
