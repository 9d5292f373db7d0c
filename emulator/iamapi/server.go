package iamapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/eksemu/eksemu/authn"
	"github.com/eksemu/eksemu/awsid"
	"github.com/eksemu/eksemu/emulator/awsquery"
	"github.com/eksemu/eksemu/store"
)

const (
	namespace = "https://iam.amazonaws.com/doc/2010-05-08/"
	version   = "2010-05-08"
)

// Deps are what the IAM surface needs.
type Deps struct {
	DB     *store.DB
	Auth   *authn.AWS
	IDs    *awsid.Generator
	Logger *slog.Logger
}

// New returns the IAM surface; every action is listed here (G4).
func New(d Deps) http.Handler {
	s := &server{db: d.DB}
	return &awsquery.Service{
		Name: "iam", Namespace: namespace, Version: version, MapError: codeOf,
		Auth: d.Auth, IDs: d.IDs, Logger: d.Logger,
		Actions: map[string]awsquery.Action{
			"CreateUser":             s.createUser,
			"GetUser":                s.getUser,
			"ListUsers":              s.listUsers,
			"DeleteUser":             s.deleteUser,
			"CreateAccessKey":        s.createAccessKey,
			"ListAccessKeys":         s.listAccessKeys,
			"DeleteAccessKey":        s.deleteAccessKey,
			"CreateRole":             s.createRole,
			"GetRole":                s.getRole,
			"ListRoles":              s.listRoles,
			"DeleteRole":             s.deleteRole,
			"UpdateAssumeRolePolicy": s.updateAssumeRolePolicy,
		},
	}
}

type server struct {
	db *store.DB
}

// codeOf maps store errors to IAM codes (one function, G3).
func codeOf(se *store.Error) *awsquery.Error {
	switch se.Kind {
	case store.KindNotFound:
		return awsquery.Sender(404, "NoSuchEntity", se.Message)
	case store.KindAlreadyExists:
		return awsquery.Sender(409, "EntityAlreadyExists", se.Message)
	case store.KindInUse:
		return awsquery.Sender(409, "DeleteConflict", se.Message)
	case store.KindInvalidParameter, store.KindInvalidRequest:
		return awsquery.Sender(400, "ValidationError", se.Message)
	case store.KindLimitExceeded:
		return awsquery.Sender(409, "LimitExceeded", se.Message)
	case store.KindMalformedPolicy:
		return awsquery.Sender(400, "MalformedPolicyDocument", se.Message)
	case store.KindAccessDenied:
		return awsquery.Sender(403, "AccessDenied", se.Message)
	case store.KindExpiredToken:
		return awsquery.Sender(403, "ExpiredToken", se.Message)
	case store.KindUnknownKey:
		return awsquery.Sender(403, "InvalidClientTokenId", se.Message)
	}
	return &awsquery.Error{Status: 500, Code: "ServiceFailure", Message: "Request processing has failed due to an unknown error, exception or failure.", Fault: "Receiver"}
}

func required(p url.Values, name, member string) (string, error) {
	v := p.Get(name)
	if v == "" {
		return "", awsquery.Sender(400, "ValidationError", "1 validation error detected: Value null at '"+member+"' failed to satisfy constraint: Member must not be null")
	}
	return v, nil
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

type userXML struct {
	Path       string `xml:",omitempty"`
	UserName   string `xml:",omitempty"`
	UserId     string //nolint:revive // wire name
	Arn        string
	CreateDate string
}

func userOf(u store.User) userXML {
	return userXML{Path: u.Path, UserName: u.Name, UserId: u.ID, Arn: u.ARN, CreateDate: isoTime(u.CreatedAt)}
}

type userResult struct {
	User userXML
}

func (s *server) createUser(ctx context.Context, c store.Caller, p url.Values) (any, error) {
	name, err := required(p, "UserName", "userName")
	if err != nil {
		return nil, err
	}
	u, err := s.db.CreateUser(ctx, c.Account, name, p.Get("Path"))
	if err != nil {
		return nil, err
	}
	return userResult{User: userOf(u)}, nil
}

func (s *server) getUser(ctx context.Context, c store.Caller, p url.Values) (any, error) {
	name := p.Get("UserName")
	if name == "" {
		switch c.Type {
		case awsid.TypeRoot:
			return userResult{User: userXML{UserId: c.Account, Arn: c.ARN, CreateDate: isoTime(time.Unix(0, 0))}}, nil
		case awsid.TypeUser:
			name = c.Name
		default:
			return nil, awsquery.Sender(400, "ValidationError", "Must specify userName when calling with non-User credentials")
		}
	}
	u, err := s.db.GetUser(ctx, c.Account, name)
	if err != nil {
		return nil, err
	}
	return userResult{User: userOf(u)}, nil
}

type listing struct {
	IsTruncated bool
	Marker      string `xml:",omitempty"`
}

func page(p url.Values) (marker string, limit int, err error) {
	limit, ok, err := awsquery.Int(p, "MaxItems", "maxItems")
	if err != nil {
		return "", 0, err
	}
	if !ok {
		limit = 100
	}
	if limit < 1 || limit > 1000 {
		return "", 0, awsquery.Sender(400, "ValidationError", "1 validation error detected: Value '"+p.Get("MaxItems")+"' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000")
	}
	return p.Get("Marker"), limit, nil
}

func prefix(p url.Values) string {
	if v := p.Get("PathPrefix"); v != "" {
		return v
	}
	return "/"
}

type listUsersResult struct {
	Users []userXML `xml:"Users>member"`
	listing
}

func (s *server) listUsers(ctx context.Context, c store.Caller, p url.Values) (any, error) {
	marker, limit, err := page(p)
	if err != nil {
		return nil, err
	}
	users, more, err := s.db.ListUsers(ctx, c.Account, prefix(p), marker, limit)
	if err != nil {
		return nil, err
	}
	out := listUsersResult{Users: []userXML{}, listing: listing{IsTruncated: more}}
	for _, u := range users {
		out.Users = append(out.Users, userOf(u))
	}
	if more {
		out.Marker = users[len(users)-1].Name
	}
	return out, nil
}

func (s *server) deleteUser(ctx context.Context, c store.Caller, p url.Values) (any, error) {
	name, err := required(p, "UserName", "userName")
	if err != nil {
		return nil, err
	}
	return nil, s.db.DeleteUser(ctx, c.Account, name)
}

// keyOwner is the user whose keys an access-key action manages: the named
// user, else the caller (an IAM user, or the root).
func keyOwner(c store.Caller, p url.Values) (string, error) {
	if name := p.Get("UserName"); name != "" {
		return name, nil
	}
	switch c.Type {
	case awsid.TypeUser:
		return c.Name, nil
	case awsid.TypeRoot:
		return "", nil
	}
	return "", awsquery.Sender(400, "ValidationError", "Must specify userName when calling with non-User credentials")
}

type accessKeyXML struct {
	UserName        string `xml:",omitempty"`
	AccessKeyId     string //nolint:revive // wire name
	Status          string
	SecretAccessKey string `xml:",omitempty"`
	CreateDate      string
}

type createAccessKeyResult struct {
	AccessKey accessKeyXML
}

func (s *server) createAccessKey(ctx context.Context, c store.Caller, p url.Values) (any, error) {
	owner, err := keyOwner(c, p)
	if err != nil {
		return nil, err
	}
	k, err := s.db.CreateAccessKey(ctx, c.Account, owner, "", "")
	if err != nil {
		return nil, err
	}
	return createAccessKeyResult{AccessKey: accessKeyXML{UserName: k.UserName, AccessKeyId: k.ID, Status: k.Status, SecretAccessKey: k.Secret, CreateDate: isoTime(k.CreatedAt)}}, nil
}

type listAccessKeysResult struct {
	AccessKeyMetadata []accessKeyXML `xml:"AccessKeyMetadata>member"`
	listing
}

func (s *server) listAccessKeys(ctx context.Context, c store.Caller, p url.Values) (any, error) {
	owner, err := keyOwner(c, p)
	if err != nil {
		return nil, err
	}
	keys, err := s.db.ListAccessKeys(ctx, c.Account, owner)
	if err != nil {
		return nil, err
	}
	out := listAccessKeysResult{AccessKeyMetadata: []accessKeyXML{}}
	for _, k := range keys {
		out.AccessKeyMetadata = append(out.AccessKeyMetadata, accessKeyXML{UserName: k.UserName, AccessKeyId: k.ID, Status: k.Status, CreateDate: isoTime(k.CreatedAt)})
	}
	return out, nil
}

func (s *server) deleteAccessKey(ctx context.Context, c store.Caller, p url.Values) (any, error) {
	id, err := required(p, "AccessKeyId", "accessKeyId")
	if err != nil {
		return nil, err
	}
	owner, err := keyOwner(c, p)
	if err != nil {
		return nil, err
	}
	return nil, s.db.DeleteAccessKey(ctx, c.Account, owner, id)
}

type roleXML struct {
	Path                     string
	RoleName                 string
	RoleId                   string //nolint:revive // wire name
	Arn                      string
	CreateDate               string
	AssumeRolePolicyDocument string
	Description              string `xml:",omitempty"`
	MaxSessionDuration       int
}

// roleOf renders a role; IAM returns policy documents URL-encoded.
func roleOf(r store.Role) roleXML {
	return roleXML{Path: r.Path, RoleName: r.Name, RoleId: r.ID, Arn: r.ARN, CreateDate: isoTime(r.CreatedAt),
		AssumeRolePolicyDocument: strings.ReplaceAll(url.QueryEscape(r.TrustPolicy), "+", "%20"),
		Description:              r.Description, MaxSessionDuration: r.MaxSessionDuration}
}

type roleResult struct {
	Role roleXML
}

func (s *server) createRole(ctx context.Context, c store.Caller, p url.Values) (any, error) {
	name, err := required(p, "RoleName", "roleName")
	if err != nil {
		return nil, err
	}
	doc, err := required(p, "AssumeRolePolicyDocument", "assumeRolePolicyDocument")
	if err != nil {
		return nil, err
	}
	maxDur, _, err := awsquery.Int(p, "MaxSessionDuration", "maxSessionDuration")
	if err != nil {
		return nil, err
	}
	r, err := s.db.CreateRole(ctx, store.RoleInput{Account: c.Account, Name: name, Path: p.Get("Path"), TrustPolicy: doc,
		Description: p.Get("Description"), MaxSessionDuration: maxDur})
	if err != nil {
		return nil, err
	}
	return roleResult{Role: roleOf(r)}, nil
}

func (s *server) getRole(ctx context.Context, c store.Caller, p url.Values) (any, error) {
	name, err := required(p, "RoleName", "roleName")
	if err != nil {
		return nil, err
	}
	r, err := s.db.GetRole(ctx, c.Account, name)
	if err != nil {
		return nil, err
	}
	return roleResult{Role: roleOf(r)}, nil
}

type listRolesResult struct {
	Roles []roleXML `xml:"Roles>member"`
	listing
}

func (s *server) listRoles(ctx context.Context, c store.Caller, p url.Values) (any, error) {
	marker, limit, err := page(p)
	if err != nil {
		return nil, err
	}
	roles, more, err := s.db.ListRoles(ctx, c.Account, prefix(p), marker, limit)
	if err != nil {
		return nil, err
	}
	out := listRolesResult{Roles: []roleXML{}, listing: listing{IsTruncated: more}}
	for _, r := range roles {
		out.Roles = append(out.Roles, roleOf(r))
	}
	if more {
		out.Marker = roles[len(roles)-1].Name
	}
	return out, nil
}

func (s *server) deleteRole(ctx context.Context, c store.Caller, p url.Values) (any, error) {
	name, err := required(p, "RoleName", "roleName")
	if err != nil {
		return nil, err
	}
	return nil, s.db.DeleteRole(ctx, c.Account, name)
}

func (s *server) updateAssumeRolePolicy(ctx context.Context, c store.Caller, p url.Values) (any, error) {
	name, err := required(p, "RoleName", "roleName")
	if err != nil {
		return nil, err
	}
	doc, err := required(p, "PolicyDocument", "policyDocument")
	if err != nil {
		return nil, err
	}
	return nil, s.db.UpdateAssumeRolePolicy(ctx, c.Account, name, doc)
}
