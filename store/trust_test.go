package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/eksemu/eksemu/awsid"
)

func stmt(body string) string {
	return `{"Version":"2012-10-17","Statement":[` + body + `]}`
}

const allowRoot = `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}`

func TestParseTrustPolicy(t *testing.T) {
	tests := []struct {
		name, doc, wantErr string
	}{
		{"minimal", stmt(allowRoot), ""},
		{"statement object", `{"Version":"2012-10-17","Statement":` + allowRoot + `}`, ""},
		{"no version", `{"Statement":[` + allowRoot + `]}`, ""},
		{"legacy version", `{"Version":"2008-10-17","Statement":[` + allowRoot + `]}`, ""},
		{"whitespace around", "\n  " + stmt(allowRoot) + "\n\t", ""},
		{"principal star", stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}`), ""},
		{"aws star", stmt(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}`), ""},
		{"principal list", stmt(`{"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:user/alice"]},"Action":["sts:AssumeRole","sts:TagSession"]}`), ""},
		{"service principal", stmt(`{"Effect":"Allow","Principal":{"Service":"eks.amazonaws.com"},"Action":"sts:AssumeRole"}`), ""},
		{"federated principal", stmt(`{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/x"},"Action":"sts:AssumeRoleWithWebIdentity"}`), ""},
		{"deny with sid", stmt(`{"Sid":"x","Effect":"Deny","Principal":"*","Action":"sts:AssumeRole"}`), ""},
		{"string condition", stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":["a","b"]}}}`), ""},
		// The policy grammar allows Boolean and number condition values unquoted.
		{"boolean condition value", stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":true}}}`), ""},
		{"number condition value", stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"NumericLessThan":{"sts:DurationSeconds":[900,3600]}}}`), ""},

		{"not json", `{"Version":`, "This policy contains invalid Json"},
		{"empty", ``, "This policy contains invalid Json"},
		{"trailing garbage", stmt(allowRoot) + ` x`, "This policy contains invalid Json"},
		{"two documents", stmt(allowRoot) + stmt(allowRoot), "This policy contains invalid Json"},
		{"array document", `[` + stmt(allowRoot) + `]`, "This policy contains invalid Json"},
		{"statement string", `{"Version":"2012-10-17","Statement":"x"}`, "This policy contains invalid Json"},
		{"action number", stmt(`{"Effect":"Allow","Principal":"*","Action":5}`), "This policy contains invalid Json"},
		{"principal number", stmt(`{"Effect":"Allow","Principal":{"AWS":5},"Action":"sts:AssumeRole"}`), "This policy contains invalid Json"},
		{"condition not object", stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":"x"}`), "This policy contains invalid Json"},
		{"no statement", `{"Version":"2012-10-17"}`, "Missing required field Statement"},
		{"bad version", `{"Version":"2020-01-01","Statement":[` + allowRoot + `]}`, "The policy failed legacy parsing"},
		{"lower-case effect", stmt(`{"Effect":"allow","Principal":"*","Action":"sts:AssumeRole"}`), "Invalid effect: allow"},
		{"no effect", stmt(`{"Principal":"*","Action":"sts:AssumeRole"}`), "Invalid effect: "},
		{"resource", stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}`), "Has prohibited field Resource"},
		{"no action", stmt(`{"Effect":"Allow","Principal":"*"}`), "Missing required field Action"},
		{"empty action", stmt(`{"Effect":"Allow","Principal":"*","Action":[]}`), "Missing required field Action"},
		{"no principal", stmt(`{"Effect":"Allow","Action":"sts:AssumeRole"}`), "Missing required field Principal"},
		{"principal arn string", stmt(`{"Effect":"Allow","Principal":"arn:aws:iam::111122223333:root","Action":"sts:AssumeRole"}`), `Invalid principal in policy: "arn:aws:iam::111122223333:root"`},
		{"unknown principal kind", stmt(`{"Effect":"Allow","Principal":{"Group":"x"},"Action":"sts:AssumeRole"}`), `Invalid principal in policy: "Group"`},
		{"second statement bad", stmt(allowRoot + `,{"Effect":"Permit","Principal":"*","Action":"sts:AssumeRole"}`), "Invalid effect: Permit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseTrustPolicy(tc.doc)
			if tc.wantErr == "" {
				noErr(t, err)
				return
			}
			wantErr(t, err, KindMalformedPolicy, tc.wantErr)
		})
	}
}

// Callers of the evaluation table.
var (
	alice = Caller{Partition: "aws", Account: testAccount, Type: awsid.TypeUser, Name: "alice",
		ARN: "arn:aws:iam::111122223333:user/alice", PrincipalARN: "arn:aws:iam::111122223333:user/alice"}
	bob = Caller{Partition: "aws", Account: testAccount, Type: awsid.TypeUser, Name: "bob",
		ARN: "arn:aws:iam::111122223333:user/eng/bob", PrincipalARN: "arn:aws:iam::111122223333:user/eng/bob"}
	devSession = Caller{Partition: "aws", Account: testAccount, Type: awsid.TypeAssumedRole, Name: "dev", SessionName: "s1", Temporary: true,
		ARN: "arn:aws:sts::111122223333:assumed-role/dev/s1", PrincipalARN: "arn:aws:iam::111122223333:role/team/dev"}
	carol = Caller{Partition: "aws", Account: otherAcct, Type: awsid.TypeUser, Name: "carol",
		ARN: "arn:aws:iam::444455556666:user/carol", PrincipalARN: "arn:aws:iam::444455556666:user/carol"}
)

func TestTrustPolicyAllows(t *testing.T) {
	allow := func(principal, action, cond string) string {
		s := `{"Effect":"Allow","Principal":` + principal + `,"Action":` + action
		if cond != "" {
			s += `,"Condition":` + cond
		}
		return s + `}`
	}
	deny := func(principal, cond string) string {
		return strings.Replace(allow(principal, `"sts:AssumeRole"`, cond), `"Allow"`, `"Deny"`, 1)
	}
	const aliceP = `{"AWS":"arn:aws:iam::111122223333:user/alice"}`
	const acctRoot = `{"AWS":"arn:aws:iam::111122223333:root"}`
	const ar = `"sts:AssumeRole"`
	type req struct {
		who        Caller
		externalID string
		session    string
	}
	tests := []struct {
		name       string
		statements string
		allowed    []req
		denied     []req
	}{
		// Principal forms.
		{"account root ARN admits the whole account", allow(acctRoot, ar, ""),
			[]req{{who: alice}, {who: bob}, {who: devSession}}, []req{{who: carol}}},
		{"account ID admits the whole account", allow(`{"AWS":"111122223333"}`, ar, ""),
			[]req{{who: alice}, {who: devSession}}, []req{{who: carol}}},
		{"other account", allow(`{"AWS":["444455556666"]}`, ar, ""),
			[]req{{who: carol}}, []req{{who: alice}}},
		{"user ARN", allow(aliceP, ar, ""), []req{{who: alice}}, []req{{who: bob}, {who: devSession}, {who: carol}}},
		{"user ARN with path", allow(`{"AWS":"arn:aws:iam::111122223333:user/eng/bob"}`, ar, ""), []req{{who: bob}}, []req{{who: alice}}},
		{"user ARN without its path does not match", allow(`{"AWS":"arn:aws:iam::111122223333:user/bob"}`, ar, ""), nil, []req{{who: bob}}},
		{"user ARN in another case", allow(`{"AWS":"arn:aws:iam::111122223333:user/ALICE"}`, ar, ""), []req{{who: alice}}, nil},
		{"role ARN with path admits its sessions", allow(`{"AWS":"arn:aws:iam::111122223333:role/team/dev"}`, ar, ""), []req{{who: devSession}}, []req{{who: alice}}},
		{"session ARN admits that session only", allow(`{"AWS":"arn:aws:sts::111122223333:assumed-role/dev/s1"}`, ar, ""),
			[]req{{who: devSession}}, []req{{who: func() Caller {
				c := devSession
				c.SessionName = "s2"
				c.ARN = "arn:aws:sts::111122223333:assumed-role/dev/s2"
				return c
			}()}}},
		{"principal star", allow(`"*"`, ar, ""), []req{{who: alice}, {who: carol}, {who: devSession}}, nil},
		{"AWS star", allow(`{"AWS":"*"}`, ar, ""), []req{{who: alice}, {who: carol}}, nil},
		{"service principal only", allow(`{"Service":"eks.amazonaws.com"}`, ar, ""), nil, []req{{who: alice}}},
		{"empty AWS list", allow(`{"AWS":[]}`, ar, ""), nil, []req{{who: alice}}},
		{"no statement", ``, nil, []req{{who: alice}}},

		// Actions and wildcards.
		{"action sts:*", allow(aliceP, `"sts:*"`, ""), []req{{who: alice}}, nil},
		{"action *", allow(aliceP, `"*"`, ""), []req{{who: alice}}, nil},
		{"action prefix wildcard", allow(aliceP, `"sts:Assume*"`, ""), []req{{who: alice}}, nil},
		{"action question mark", allow(aliceP, `"s?s:AssumeRol?"`, ""), []req{{who: alice}}, nil},
		{"action is case-insensitive", allow(aliceP, `"STS:ASSUMEROLE"`, ""), []req{{who: alice}}, nil},
		{"other action", allow(aliceP, `["sts:AssumeRoleWithSAML","sts:TagSession"]`, ""), nil, []req{{who: alice}}},
		{"question mark needs a character", allow(aliceP, `"sts:AssumeRole?"`, ""), nil, []req{{who: alice}}},
		{"action list", allow(aliceP, `["sts:TagSession","sts:AssumeRole"]`, ""), []req{{who: alice}}, nil},

		// Allow/Deny precedence.
		{"deny only", deny(aliceP, ""), nil, []req{{who: alice}}},
		{"deny after allow wins", allow(acctRoot, ar, "") + "," + deny(aliceP, ""), []req{{who: bob}}, []req{{who: alice}}},
		{"deny before allow wins", deny(aliceP, "") + "," + allow(acctRoot, ar, ""), []req{{who: bob}}, []req{{who: alice}}},
		{"deny star beats allow", allow(aliceP, ar, "") + "," + deny(`"*"`, ""), nil, []req{{who: alice}}},
		{"deny of another action does not apply", allow(aliceP, ar, "") + `,{"Effect":"Deny","Principal":"*","Action":"sts:TagSession"}`, []req{{who: alice}}, nil},
		{"conditional deny applies only when its condition holds",
			allow(acctRoot, ar, "") + "," + deny(`"*"`, `{"StringLike":{"sts:RoleSessionName":"blocked-*"}}`),
			[]req{{who: alice, session: "ok"}}, []req{{who: alice, session: "blocked-1"}}},

		// Conditions.
		{"external ID", allow(aliceP, ar, `{"StringEquals":{"sts:ExternalId":"abc"}}`),
			[]req{{who: alice, externalID: "abc"}}, []req{{who: alice}, {who: alice, externalID: "ABC"}, {who: alice, externalID: "abcd"}}},
		{"condition key is case-insensitive", allow(aliceP, ar, `{"StringEquals":{"STS:EXTERNALID":"abc"}}`),
			[]req{{who: alice, externalID: "abc"}}, []req{{who: alice, externalID: "x"}}},
		{"values are ORed", allow(aliceP, ar, `{"StringEquals":{"sts:ExternalId":["a","b"]}}`),
			[]req{{who: alice, externalID: "a"}, {who: alice, externalID: "b"}}, []req{{who: alice, externalID: "c"}}},
		{"keys are ANDed", allow(acctRoot, ar, `{"StringEquals":{"sts:ExternalId":"a","aws:PrincipalAccount":"111122223333"}}`),
			[]req{{who: alice, externalID: "a"}}, []req{{who: alice, externalID: "b"}}},
		{"operators are ANDed", allow(acctRoot, ar, `{"StringEquals":{"sts:ExternalId":"a"},"StringLike":{"sts:RoleSessionName":"ci-*"}}`),
			[]req{{who: alice, externalID: "a", session: "ci-1"}}, []req{{who: alice, externalID: "a", session: "dev-1"}, {who: alice, session: "ci-1"}}},
		{"StringEqualsIgnoreCase", allow(aliceP, ar, `{"StringEqualsIgnoreCase":{"sts:ExternalId":"ABC"}}`),
			[]req{{who: alice, externalID: "abc"}}, []req{{who: alice, externalID: "abd"}}},
		{"StringLike on principal ARN", allow(`"*"`, ar, `{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/*"}}`),
			[]req{{who: alice}, {who: bob}}, []req{{who: devSession}, {who: carol}}},
		{"ArnLike on role path", allow(`"*"`, ar, `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/team/*"}}`),
			[]req{{who: devSession}}, []req{{who: alice}}},
		{"ArnEquals", allow(`"*"`, ar, `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/team/dev"}}`),
			[]req{{who: devSession}}, []req{{who: alice}}},
		{"PrincipalAccount", allow(`"*"`, ar, `{"StringEquals":{"aws:PrincipalAccount":"444455556666"}}`),
			[]req{{who: carol}}, []req{{who: alice}}},
		{"StringNotEquals", allow(acctRoot, ar, `{"StringNotEquals":{"sts:RoleSessionName":["bad","worse"]}}`),
			[]req{{who: alice, session: "good"}}, []req{{who: alice, session: "bad"}, {who: alice, session: "worse"}}},
		{"StringNotLike", allow(acctRoot, ar, `{"StringNotLike":{"aws:PrincipalArn":"*:user/eng/*"}}`),
			[]req{{who: alice}}, []req{{who: bob}}},
		{"deny unless external ID", allow(acctRoot, ar, "") + "," + deny(`"*"`, `{"StringNotEquals":{"sts:ExternalId":"abc"}}`),
			[]req{{who: alice, externalID: "abc"}}, []req{{who: alice}, {who: alice, externalID: "x"}}},
		{"ArnNotLike", allow(`"*"`, ar, `{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/*"}}`),
			[]req{{who: alice}}, []req{{who: devSession}}},
		{"Null: external ID must be present", allow(acctRoot, ar, `{"Null":{"sts:ExternalId":"false"}}`),
			[]req{{who: alice, externalID: "x"}}, []req{{who: alice}}},
		{"Null: external ID must be absent", allow(acctRoot, ar, `{"Null":{"sts:ExternalId":"true"}}`),
			[]req{{who: alice}}, []req{{who: alice, externalID: "x"}}},
		{"IfExists with the key absent", allow(acctRoot, ar, `{"StringEqualsIfExists":{"sts:ExternalId":"abc"}}`),
			[]req{{who: alice}, {who: alice, externalID: "abc"}}, []req{{who: alice, externalID: "x"}}},
		// Keys eksemu's request context does not carry are absent, as on AWS
		// when a request lacks them: a plain operator is false, a negated one true.
		{"absent key, plain operator", allow(aliceP, ar, `{"StringEquals":{"aws:SourceVpc":"vpc-1"}}`), nil, []req{{who: alice}}},
		{"absent key, negated operator", allow(aliceP, ar, `{"StringNotEquals":{"aws:SourceVpc":"vpc-1"}}`), []req{{who: alice}}, nil},
		{"absent key, Bool", allow(aliceP, ar, `{"Bool":{"aws:MultiFactorAuthPresent":true}}`), nil, []req{{who: alice}}},
		{"absent key, BoolIfExists", allow(aliceP, ar, `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}}`), []req{{who: alice}}, nil},
		{"deny without MFA (key absent) applies", allow(aliceP, ar, "") + "," + deny(`"*"`, `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}`),
			nil, []req{{who: alice}}},
		// An operator eksemu does not evaluate makes the statement inapplicable.
		{"unsupported operator on an allow", allow(aliceP, ar, `{"DateLessThan":{"aws:CurrentTime":"2100-01-01T00:00:00Z"}}`), nil, []req{{who: alice}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := parseTrustPolicy(stmt(tc.statements))
			noErr(t, err)
			for _, r := range tc.allowed {
				if !p.allows(trustRequest{caller: r.who, externalID: r.externalID, session: r.session}) {
					t.Errorf("%s (external ID %q, session %q) refused, want allowed", r.who.ARN, r.externalID, r.session)
				}
			}
			for _, r := range tc.denied {
				if p.allows(trustRequest{caller: r.who, externalID: r.externalID, session: r.session}) {
					t.Errorf("%s (external ID %q, session %q) allowed, want refused", r.who.ARN, r.externalID, r.session)
				}
			}
		})
	}
}

func TestWildcardMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"", "a", false},
		{"*", "", true},
		{"*", "anything/at:all", true},
		{"a*", "a", true},
		{"a*", "ab/c:d", true},
		{"*c", "abc", true},
		{"*c", "abd", false},
		{"a*c*e", "abcde", true},
		{"a*c*e", "abcdf", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"a?c", "abbc", false},
		{"**", "x", true},
		{"*a*a*a", "aaaa", true},
		{"*a*a*a", "aa", false},
		{"arn:aws:iam::*:role/*", "arn:aws:iam::111122223333:role/team/dev", true},
		{"arn:aws:iam::*:role/*", "arn:aws:iam::111122223333:user/dev", false},
		{"abc", "ABC", false},
	}
	for _, tc := range tests {
		if got := wildcardMatch(tc.pattern, tc.s); got != tc.want {
			t.Errorf("wildcardMatch(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

// TestTrustPolicyPrincipalsMustExist covers CreateRole's and
// UpdateAssumeRolePolicy's check that named principals exist.
func TestTrustPolicyPrincipalsMustExist(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *DB, _ *testClock) {
		ctx := context.Background()
		must[User](t)(db.CreateUser(ctx, testAccount, "alice", "/"))
		must[User](t)(db.CreateUser(ctx, testAccount, "bob", "/eng/"))
		makeRole(t, db, "dev", "/team/")
		tests := []struct {
			principal string
			ok        bool
		}{
			{"arn:aws:iam::111122223333:user/alice", true},
			{"arn:aws:iam::111122223333:user/ALICE", true}, // IAM names are case-insensitive
			{"arn:aws:iam::111122223333:user/eng/bob", true},
			{"arn:aws:iam::111122223333:user/bob", false}, // wrong path
			{"arn:aws:iam::111122223333:user/nobody", false},
			{"arn:aws:iam::111122223333:role/team/dev", true},
			{"arn:aws:iam::111122223333:role/dev", false},
			{"arn:aws:iam::111122223333:root", true},
			{"111122223333", true},
			{"444455556666", true},                                  // an account ID is taken as it is
			{"arn:aws:sts::111122223333:assumed-role/dev/s1", true}, // session ARNs are accepted as they are
			{"arn:aws:iam::111122223333:group/admins", false},       // not a principal
			{"alice", false},                                          // not an ARN
			{"arn:aws:iam::1111:user/alice", false},                   // bad account
			{"arn:aws:iam::444455556666:user/alice", false},           // alice of another account does not exist
			{"arn:aws:sts::111122223333:federated-user/alice", false}, // not an IAM entity
			{"arn:aws:iam::111122223333:user/alice", true},
		}
		for i, tc := range tests {
			doc := stmt(`{"Effect":"Allow","Principal":{"AWS":"` + tc.principal + `"},"Action":"sts:AssumeRole"}`)
			before := dump(t, db)
			_, err := db.CreateRole(ctx, RoleInput{Account: testAccount, Name: fmt.Sprintf("r%d", i), TrustPolicy: doc})
			if tc.ok {
				if err != nil {
					t.Errorf("principal %s: %v", tc.principal, err)
				}
				continue
			}
			var se *Error
			if !errors.As(err, &se) || se.Kind != KindMalformedPolicy || se.Message != `Invalid principal in policy: "AWS":"`+tc.principal+`"` {
				t.Errorf("principal %s: got %v, want MalformedPolicy Invalid principal", tc.principal, err)
			}
			if dump(t, db) != before {
				t.Errorf("principal %s: refused CreateRole changed the database", tc.principal)
			}
			// UpdateAssumeRolePolicy applies the same check and keeps the old policy.
			err = db.UpdateAssumeRolePolicy(ctx, testAccount, "dev", doc)
			wantErr(t, err, KindMalformedPolicy, "")
			r := must[Role](t)(db.GetRole(ctx, testAccount, "dev"))
			if r.TrustPolicy != trustAccount(testAccount) {
				t.Errorf("trust policy changed by a refused update: %s", r.TrustPolicy)
			}
		}
	})
}
