package stsapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/eksemu/eksemu/authn"
	"github.com/eksemu/eksemu/awsid"
	"github.com/eksemu/eksemu/emulator/awsquery"
	"github.com/eksemu/eksemu/store"
)

const (
	namespace = "https://sts.amazonaws.com/doc/2011-06-15/"
	version   = "2011-06-15"
)

// Deps are what the STS surface needs.
type Deps struct {
	DB     *store.DB
	Auth   *authn.AWS
	IDs    *awsid.Generator
	Logger *slog.Logger
}

// New returns the STS surface; every action is listed here (G4).
func New(d Deps) http.Handler {
	s := &server{db: d.DB}
	return &awsquery.Service{
		Name: "sts", Namespace: namespace, Version: version, MapError: codeOf,
		Auth: d.Auth, IDs: d.IDs, Logger: d.Logger,
		Actions: map[string]awsquery.Action{
			"GetCallerIdentity": s.getCallerIdentity,
			"AssumeRole":        s.assumeRole,
			"GetSessionToken":   s.getSessionToken,
		},
	}
}

type server struct {
	db *store.DB
}

// codeOf maps store errors to STS codes (one function, G3).
func codeOf(se *store.Error) *awsquery.Error {
	switch se.Kind {
	case store.KindAccessDenied:
		return awsquery.Sender(403, "AccessDenied", se.Message)
	case store.KindMalformedPolicy:
		return awsquery.Sender(400, "MalformedPolicyDocument", se.Message)
	case store.KindExpiredToken:
		return awsquery.Sender(400, "ExpiredTokenException", se.Message)
	case store.KindUnknownKey:
		return awsquery.Sender(403, "InvalidClientTokenId", se.Message)
	case store.KindInvalidParameter, store.KindNotFound, store.KindAlreadyExists, store.KindInUse, store.KindInvalidRequest, store.KindLimitExceeded:
		return awsquery.Sender(400, "ValidationError", se.Message)
	}
	return &awsquery.Error{Status: 500, Code: "InternalFailure", Message: "An internal error occurred", Fault: "Receiver"}
}

type callerIdentity struct {
	Arn     string
	UserId  string //nolint:revive // wire name
	Account string
}

func (s *server) getCallerIdentity(_ context.Context, c store.Caller, _ url.Values) (any, error) {
	return callerIdentity{Arn: c.ARN, UserId: c.UserID, Account: c.Account}, nil
}

type credentials struct {
	AccessKeyId     string //nolint:revive // wire name
	SecretAccessKey string
	SessionToken    string
	Expiration      string
}

type assumedRoleUser struct {
	Arn           string
	AssumedRoleId string //nolint:revive // wire name
}

type assumeRoleResult struct {
	AssumedRoleUser assumedRoleUser
	Credentials     credentials
}

func credentialsOf(s store.Session) credentials {
	return credentials{
		AccessKeyId: s.AccessKeyID, SecretAccessKey: s.SecretAccessKey, SessionToken: s.SessionToken,
		Expiration: s.Expires.UTC().Format("2006-01-02T15:04:05Z"),
	}
}

func (s *server) assumeRole(ctx context.Context, c store.Caller, p url.Values) (any, error) {
	secs, _, err := awsquery.Int(p, "DurationSeconds", "durationSeconds")
	if err != nil {
		return nil, err
	}
	sess, err := s.db.AssumeRole(ctx, c, store.AssumeRoleInput{
		RoleARN: p.Get("RoleArn"), SessionName: p.Get("RoleSessionName"),
		Duration: time.Duration(secs) * time.Second, ExternalID: p.Get("ExternalId"),
	})
	if err != nil {
		return nil, err
	}
	return assumeRoleResult{
		Credentials:     credentialsOf(sess),
		AssumedRoleUser: assumedRoleUser{Arn: sess.Caller.ARN, AssumedRoleId: sess.Caller.UserID},
	}, nil
}

type sessionTokenResult struct {
	Credentials credentials
}

func (s *server) getSessionToken(ctx context.Context, c store.Caller, p url.Values) (any, error) {
	secs, _, err := awsquery.Int(p, "DurationSeconds", "durationSeconds")
	if err != nil {
		return nil, err
	}
	sess, err := s.db.GetSessionToken(ctx, c, time.Duration(secs)*time.Second)
	if err != nil {
		return nil, err
	}
	return sessionTokenResult{Credentials: credentialsOf(sess)}, nil
}
