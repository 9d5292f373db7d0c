package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/eksemu/eksemu/awsid"
)

// A trust policy (a role's AssumeRolePolicyDocument), reduced to what
// sts:AssumeRole evaluation needs. Fields that may be a string or a list use stringSet.
type trustPolicy struct {
	Version   string
	Statement []trustStatement
}

type trustStatement struct {
	Sid       string
	Effect    string
	Principal json.RawMessage
	Action    stringSet
	Resource  json.RawMessage
	Condition map[string]map[string]conditionValues

	principals principalSet
}

type principalSet struct {
	any bool
	aws []string
}

type stringSet []string

func (s *stringSet) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

// conditionValues is a condition's value list. The policy grammar allows
// strings, numbers and Booleans, alone or in a list; numbers and Booleans are
// kept as their JSON text ("3600", "true").
type conditionValues []string

func (c *conditionValues) UnmarshalJSON(b []byte) error {
	var many []json.RawMessage
	if err := json.Unmarshal(b, &many); err != nil {
		many = []json.RawMessage{b}
	}
	out := make([]string, 0, len(many))
	for _, raw := range many {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case bool, float64:
			out = append(out, string(bytes.TrimSpace(raw)))
		default:
			return fmt.Errorf("condition value %s is not a string, number or Boolean", raw)
		}
	}
	*c = out
	return nil
}

func malformed(format string, args ...any) error {
	return newErr(KindMalformedPolicy, format, args...)
}

// parseTrustPolicy parses and structurally validates a trust policy, with IAM's
// MalformedPolicyDocument texts.
func parseTrustPolicy(doc string) (trustPolicy, error) {
	var raw struct {
		Version   string
		Statement json.RawMessage
	}
	dec := json.NewDecoder(strings.NewReader(doc))
	if err := dec.Decode(&raw); err != nil {
		return trustPolicy{}, malformed("This policy contains invalid Json")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) { // anything after the document
		return trustPolicy{}, malformed("This policy contains invalid Json")
	}
	p := trustPolicy{Version: raw.Version}
	st := bytes.TrimSpace(raw.Statement)
	switch {
	case len(st) == 0:
		return p, malformed("Missing required field Statement")
	case st[0] == '{':
		var one trustStatement
		if err := json.Unmarshal(st, &one); err != nil {
			return p, malformed("This policy contains invalid Json")
		}
		p.Statement = []trustStatement{one}
	default:
		if err := json.Unmarshal(st, &p.Statement); err != nil {
			return p, malformed("This policy contains invalid Json")
		}
	}
	if p.Version != "" && p.Version != "2012-10-17" && p.Version != "2008-10-17" {
		return p, malformed("The policy failed legacy parsing")
	}
	for i := range p.Statement {
		s := &p.Statement[i]
		if s.Effect != "Allow" && s.Effect != "Deny" {
			return p, malformed("Invalid effect: %s", s.Effect)
		}
		if len(s.Resource) > 0 {
			return p, malformed("Has prohibited field Resource")
		}
		if len(s.Action) == 0 {
			return p, malformed("Missing required field Action")
		}
		if len(s.Principal) == 0 {
			return p, malformed("Missing required field Principal")
		}
		ps, err := parsePrincipals(s.Principal)
		if err != nil {
			return p, err
		}
		s.principals = ps
	}
	return p, nil
}

func parsePrincipals(raw json.RawMessage) (principalSet, error) {
	var star string
	if err := json.Unmarshal(raw, &star); err == nil {
		if star != "*" {
			return principalSet{}, malformed("Invalid principal in policy: %q", star)
		}
		return principalSet{any: true}, nil
	}
	var m map[string]stringSet
	if err := json.Unmarshal(raw, &m); err != nil {
		return principalSet{}, malformed("This policy contains invalid Json")
	}
	var ps principalSet
	for k, vs := range m {
		switch k {
		case "AWS":
			for _, v := range vs {
				if v == "*" {
					ps.any = true
					continue
				}
				ps.aws = append(ps.aws, v)
			}
		case "Service", "Federated", "CanonicalUser":
			// Never our callers; kept for documents copied from real roles.
		default:
			return principalSet{}, malformed("Invalid principal in policy: %q", k)
		}
	}
	return ps, nil
}

// checkTrustPolicy validates a trust policy, including that every AWS principal
// it names exists, as IAM does when a role is created or its policy updated.
func (db *DB) checkTrustPolicy(ctx context.Context, tx *sql.Tx, doc string) error {
	p, err := parseTrustPolicy(doc)
	if err != nil {
		return err
	}
	for _, s := range p.Statement {
		for _, v := range s.principals.aws {
			if awsid.IsAccountID(v) {
				continue
			}
			pr, err := awsid.ParsePrincipal(v)
			if err == nil && pr.Type == awsid.TypeAssumedRole {
				continue // session ARNs are accepted as they are
			}
			if err == nil {
				_, _, err = db.lookupPrincipal(ctx, tx, pr)
			}
			if err != nil {
				if errors.Is(err, ErrNotFound) || errors.Is(err, awsid.ErrNotPrincipal) {
					return malformed("Invalid principal in policy: \"AWS\":\"%s\"", v)
				}
				return err
			}
		}
	}
	return nil
}

// trustRequest is one sts:AssumeRole attempt.
type trustRequest struct {
	caller     Caller
	externalID string
	session    string
}

// allows evaluates the policy for sts:AssumeRole: an applicable Deny wins, then an
// applicable Allow. Identity policies are not modelled (every principal may call
// sts:AssumeRole), so an account principal in the trust policy admits every
// principal of that account, as AWS does with an admin identity policy.
func (p trustPolicy) allows(r trustRequest) bool {
	allowed := false
	for _, s := range p.Statement {
		if !s.matchesAction("sts:AssumeRole") || !s.matchesPrincipal(r.caller) || !s.conditionsHold(r) {
			continue
		}
		if s.Effect == "Deny" {
			return false
		}
		allowed = true
	}
	return allowed
}

func (s trustStatement) matchesAction(action string) bool {
	for _, a := range s.Action {
		if wildcardMatch(strings.ToLower(a), strings.ToLower(action)) {
			return true
		}
	}
	return false
}

func (s trustStatement) matchesPrincipal(c Caller) bool {
	if s.principals.any {
		return true
	}
	for _, v := range s.principals.aws {
		if v == c.Account || v == awsid.RootARN(c.Partition, c.Account) {
			return true
		}
		if strings.EqualFold(v, c.PrincipalARN) || strings.EqualFold(v, c.ARN) {
			return true
		}
	}
	return false
}

// conditionsHold evaluates the statement's conditions against the request
// context of sts:AssumeRole. The context holds aws:PrincipalArn,
// aws:PrincipalAccount, sts:RoleSessionName and, when the caller sent one,
// sts:ExternalId; every other key is absent, as on AWS when a request lacks
// it: plain operators are then false, negated operators and …IfExists true.
// An operator eksemu does not evaluate makes the statement inapplicable (an
// Allow then grants nothing, a Deny denies nothing).
func (s trustStatement) conditionsHold(r trustRequest) bool {
	values := map[string]string{
		"aws:principalarn":     r.caller.PrincipalARN,
		"aws:principalaccount": r.caller.Account,
		"sts:rolesessionname":  r.session,
	}
	if r.externalID != "" {
		values["sts:externalid"] = r.externalID
	}
	for op, kv := range s.Condition {
		for key, want := range kv {
			got, present := values[strings.ToLower(key)]
			if !conditionHolds(op, got, present, want) {
				return false
			}
		}
	}
	return true
}

// conditionOperators are the operators eksemu evaluates: how a value matches,
// and whether the operator is negated (true when no value matches).
var conditionOperators = map[string]struct {
	match   func(got, want string) bool
	negated bool
}{
	"StringEquals":              {func(g, w string) bool { return g == w }, false},
	"StringNotEquals":           {func(g, w string) bool { return g == w }, true},
	"StringEqualsIgnoreCase":    {strings.EqualFold, false},
	"StringNotEqualsIgnoreCase": {strings.EqualFold, true},
	"StringLike":                {func(g, w string) bool { return wildcardMatch(w, g) }, false},
	"StringNotLike":             {func(g, w string) bool { return wildcardMatch(w, g) }, true},
	"ArnEquals":                 {func(g, w string) bool { return g == w }, false},
	"ArnNotEquals":              {func(g, w string) bool { return g == w }, true},
	"ArnLike":                   {func(g, w string) bool { return wildcardMatch(w, g) }, false},
	"ArnNotLike":                {func(g, w string) bool { return wildcardMatch(w, g) }, true},
	"Bool":                      {strings.EqualFold, false},
}

func conditionHolds(op, got string, present bool, want []string) bool {
	if op == "Null" {
		// "true": the key must be absent; "false": present.
		for _, w := range want {
			if strings.EqualFold(w, "true") != present {
				return true
			}
		}
		return false
	}
	base, ifExists := strings.CutSuffix(op, "IfExists")
	o, ok := conditionOperators[base]
	if !ok {
		return false
	}
	if !present {
		return ifExists || o.negated
	}
	matched := false
	for _, w := range want {
		if o.match(got, w) {
			matched = true
			break
		}
	}
	return matched != o.negated
}

// wildcardMatch matches IAM wildcards: '*' is any run of characters (including
// '/' and ':'), '?' any single character.
func wildcardMatch(pattern, s string) bool {
	star, mark := -1, 0
	p, i := 0, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
