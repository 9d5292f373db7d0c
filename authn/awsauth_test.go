package authn

import (
	"reflect"
	"strings"
	"testing"
)

const (
	nodeRoleARN = "arn:aws:iam::555555555555:role/devel-worker-nodes-NodeInstanceRole-74RF4UBDUKL6"
	adminARN    = "arn:aws:iam::555555555555:user/admin"
	goodRoles   = "- rolearn: " + nodeRoleARN + "\n  username: system:node:{{EC2PrivateDNSName}}\n  groups:\n    - system:bootstrappers\n    - system:nodes\n"
	goodUsers   = "- userarn: " + adminARN + "\n  username: admin\n  groups:\n    - system:masters\n"
	goodAccts   = "- 555555555555\n"
)

var (
	nodeRole  = RoleMapping{RoleARN: nodeRoleARN, Username: "system:node:{{EC2PrivateDNSName}}", Groups: []string{"system:bootstrappers", "system:nodes"}}
	adminUser = UserMapping{UserARN: adminARN, Username: "admin", Groups: []string{"system:masters"}}
)

// TestParseAWSAuth reproduces authenticator.md §4.4 row by row: each key on its
// own, whatever parsed kept, errors reported but never fatal.
func TestParseAWSAuth(t *testing.T) {
	cases := []struct {
		name  string
		data  map[string]string
		want  AWSAuth
		errs  []string // substrings of the error; nil = no error
		noErr bool
	}{
		{name: "documented example",
			data:  map[string]string{"mapRoles": goodRoles, "mapUsers": goodUsers, "mapAccounts": goodAccts},
			want:  AWSAuth{Roles: []RoleMapping{nodeRole}, Users: []UserMapping{adminUser}, Accounts: []string{"555555555555"}},
			noErr: true},
		{name: "YAML error drops all of mapRoles only",
			data: map[string]string{"mapRoles": "- rolearn: " + nodeRoleARN + "\n\tusername: x\n", "mapUsers": goodUsers, "mapAccounts": goodAccts},
			want: AWSAuth{Users: []UserMapping{adminUser}, Accounts: []string{"555555555555"}},
			errs: []string{"yaml: line 2: found a tab character that violates indentation"}},
		{name: "YAML error drops all of mapUsers only",
			data: map[string]string{"mapRoles": goodRoles, "mapUsers": "- userarn: a\n  username: [\n"},
			want: AWSAuth{Roles: []RoleMapping{nodeRole}},
			errs: []string{"yaml: line"}},
		{name: "mapRoles is a mapping",
			data: map[string]string{"mapRoles": "rolearn: " + nodeRoleARN + "\nusername: x\n", "mapUsers": goodUsers},
			want: AWSAuth{Users: []UserMapping{adminUser}},
			errs: []string{"json: cannot unmarshal object into Go value of type []authn.RoleMapping"}},
		{name: "mapRoles is a JSON object",
			data: map[string]string{"mapRoles": `{"rolearn": "` + nodeRoleARN + `"}`},
			errs: []string{"cannot unmarshal object"}},
		{name: "mapRoles as a JSON list",
			data:  map[string]string{"mapRoles": `[{"rolearn": "` + nodeRoleARN + `", "username": "n", "groups": ["g"]}]`},
			want:  AWSAuth{Roles: []RoleMapping{{RoleARN: nodeRoleARN, Username: "n", Groups: []string{"g"}}}},
			noErr: true},
		{name: "entry without rolearn dropped, others kept",
			data: map[string]string{"mapRoles": "- username: orphan\n  groups: [g]\n" + goodRoles},
			want: AWSAuth{Roles: []RoleMapping{nodeRole}},
			errs: []string{"one of rolearn or SSO must be supplied"}},
		{name: "mapUsers entry without userarn dropped",
			data: map[string]string{"mapUsers": "- username: orphan\n" + goodUsers},
			want: AWSAuth{Users: []UserMapping{adminUser}},
			errs: []string{"value for userarn must be supplied"}},
		{name: "scalar groups keep the entry without groups",
			data: map[string]string{"mapRoles": "- rolearn: " + nodeRoleARN + "\n  username: node\n  groups: system:masters\n"},
			want: AWSAuth{Roles: []RoleMapping{{RoleARN: nodeRoleARN, Username: "node"}}},
			errs: []string{"json: cannot unmarshal string into Go struct field RoleMapping.groups of type []string"}},
		{name: "numeric username is empty",
			data: map[string]string{"mapUsers": "- userarn: " + adminARN + "\n  username: 1234\n  groups: [g]\n"},
			want: AWSAuth{Users: []UserMapping{{UserARN: adminARN, Groups: []string{"g"}}}},
			errs: []string{"cannot unmarshal number into Go struct field UserMapping.username of type string"}},
		{name: "YAML 1.1 booleans as username are not strings",
			data: map[string]string{"mapUsers": "- userarn: " + adminARN + "\n  username: n\n- userarn: arn:aws:iam::555555555555:user/b\n  username: yes\n"},
			want: AWSAuth{Users: []UserMapping{{UserARN: adminARN}, {UserARN: "arn:aws:iam::555555555555:user/b"}}},
			errs: []string{"cannot unmarshal bool into Go struct field UserMapping.username of type string"}},
		{name: "misspelled or missing username",
			data:  map[string]string{"mapRoles": "- rolearn: " + nodeRoleARN + "\n  usrname: n\n", "mapUsers": "- userarn: " + adminARN + "\n"},
			want:  AWSAuth{Roles: []RoleMapping{{RoleARN: nodeRoleARN}}, Users: []UserMapping{{UserARN: adminARN}}},
			noErr: true},
		{name: "keys in any case",
			data: map[string]string{
				"mapRoles": "- RoleARN: " + nodeRoleARN + "\n  UserName: system:node:{{EC2PrivateDNSName}}\n  GROUPS: [system:bootstrappers, system:nodes]\n" +
					"- rOlEaRn: arn:aws:iam::555555555555:role/x\n  uSeRnAmE: x\n",
				"mapUsers": "- USERARN: " + adminARN + "\n  Username: admin\n  Groups: [system:masters]\n",
			},
			want:  AWSAuth{Roles: []RoleMapping{nodeRole, {RoleARN: "arn:aws:iam::555555555555:role/x", Username: "x"}}, Users: []UserMapping{adminUser}},
			noErr: true},
		{name: "wrong-case top-level keys are ignored",
			data:  map[string]string{"MapRoles": goodRoles, "mapusers": goodUsers, "MaPaCcOuNtS": goodAccts},
			noErr: true},
		{name: "extra space before a list item joins two groups",
			data: map[string]string{"mapRoles": "- rolearn: " + nodeRoleARN + "\n  username: system:node:{{EC2PrivateDNSName}}\n  groups:\n    - system:bootstrappers\n     - system:nodes\n"},
			want: AWSAuth{Roles: []RoleMapping{{RoleARN: nodeRoleARN, Username: "system:node:{{EC2PrivateDNSName}}",
				Groups: []string{"system:bootstrappers - system:nodes"}}}},
			noErr: true},
		{name: "skippable values: empty and whitespace",
			data:  map[string]string{"mapRoles": "", "mapUsers": " \n\t ", "mapAccounts": "\n"},
			noErr: true},
		{name: "skippable values: quotes and backquotes",
			data:  map[string]string{"mapRoles": `""`, "mapUsers": "``", "mapAccounts": `''`},
			noErr: true},
		{name: "skippable values: padded quotes",
			data:  map[string]string{"mapRoles": " '' \n", "mapUsers": "\n\"\"\n", "mapAccounts": " `` "},
			noErr: true},
		{name: "null lists",
			data:  map[string]string{"mapRoles": "~", "mapUsers": "null", "mapAccounts": "~"},
			noErr: true},
		{name: "mapAccounts forms, leading zero kept",
			data:  map[string]string{"mapAccounts": "- 111122223333\n- 012345678901\n- \"444455556666\"\n- '000000000001'\n"},
			want:  AWSAuth{Accounts: []string{"111122223333", "012345678901", "444455556666", "000000000001"}},
			noErr: true},
		{name: "mapAccounts flow list",
			data:  map[string]string{"mapAccounts": "[111122223333, 012345678901]"},
			want:  AWSAuth{Accounts: []string{"111122223333", "012345678901"}},
			noErr: true},
		{name: "mapAccounts scalar",
			data: map[string]string{"mapAccounts": "111122223333", "mapUsers": goodUsers},
			want: AWSAuth{Users: []UserMapping{adminUser}},
			errs: []string{"cannot unmarshal !!int `1111222...` into []string"}},
		{name: "mapAccounts keeps the elements that decode",
			data: map[string]string{"mapAccounts": "- 111122223333\n- {a: b}\n- 012345678901\n"},
			want: AWSAuth{Accounts: []string{"111122223333", "012345678901"}},
			errs: []string{"line 2: cannot unmarshal !!map into string"}},
		{name: "mapAccounts YAML error",
			data: map[string]string{"mapAccounts": "- 111122223333\n\t- 2\n", "mapRoles": goodRoles},
			want: AWSAuth{Roles: []RoleMapping{nodeRole}},
			errs: []string{"found a tab character"}},
		{name: "list of scalars",
			data: map[string]string{"mapRoles": "- foo\n"},
			errs: []string{"cannot unmarshal string into Go value of type authn.RoleMapping", "one of rolearn or SSO must be supplied"}},
		{name: "sso entry kept",
			data: map[string]string{"mapRoles": "- sso:\n    permissionSetName: ViewOnlyAccess\n    accountID: \"012345678912\"\n    partition: aws-cn\n  username: user1\n  groups: [system:basic-users]\n"},
			want: AWSAuth{Roles: []RoleMapping{{SSO: &SSOMatcher{PermissionSetName: "ViewOnlyAccess", AccountID: "012345678912", Partition: "aws-cn"},
				Username: "user1", Groups: []string{"system:basic-users"}}}},
			noErr: true},
		{name: "rolearn and sso together",
			data: map[string]string{"mapRoles": "- rolearn: " + nodeRoleARN + "\n  sso: {permissionSetName: Admin, accountID: \"111122223333\"}\n  username: both\n"},
			errs: []string{"only one of rolearn or SSO can be supplied"}},
		{name: "sso null is no sso",
			data: map[string]string{"mapRoles": "- sso: null\n  username: x\n"},
			errs: []string{"one of rolearn or SSO must be supplied"}},
		{name: "sso with a bad account",
			data: map[string]string{"mapRoles": "- sso: {permissionSetName: Admin, accountID: \"123\"}\n"},
			errs: []string{"AccountID '123' is not a valid AWS Account ID"}},
		{name: "sso with a bad permission set",
			data: map[string]string{"mapRoles": "- sso: {permissionSetName: bad name, accountID: \"111122223333\"}\n"},
			errs: []string{"PermissionSetName 'bad name' is not a valid AWS SSO PermissionSet Name"}},
		{name: "sso with a bad partition",
			data: map[string]string{"mapRoles": "- sso: {permissionSetName: Admin, accountID: \"111122223333\", partition: aws-mars}\n"},
			errs: []string{"partition 'aws-mars' is not a valid AWS partition"}},
		{name: "every error of every key is reported",
			data: map[string]string{"mapRoles": "- username: a\n", "mapUsers": "- username: b\n", "mapAccounts": "x"},
			errs: []string{"one of rolearn or SSO must be supplied", "value for userarn must be supplied", "cannot unmarshal !!str `x` into []string"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.noErr == (c.errs != nil) {
				t.Fatal("a case states either noErr or errs")
			}
			got, err := ParseAWSAuth(c.data)
			if !reflect.DeepEqual(normalize(got), normalize(c.want)) {
				t.Errorf("parsed\n got %#v\nwant %#v", got, c.want)
			}
			if c.noErr {
				if err != nil {
					t.Errorf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", c.errs)
			}
			if !strings.HasPrefix(err.Error(), "error parsing config map: ") {
				t.Errorf("error %q lacks the authenticator's prefix", err)
			}
			for _, e := range c.errs {
				if !strings.Contains(err.Error(), e) {
					t.Errorf("error %q does not mention %q", err, e)
				}
			}
		})
	}
}

// normalize treats nil and empty lists alike (the parser's choice between them is not observable).
func normalize(a AWSAuth) AWSAuth {
	if len(a.Roles) == 0 {
		a.Roles = nil
	}
	if len(a.Users) == 0 {
		a.Users = nil
	}
	if len(a.Accounts) == 0 {
		a.Accounts = nil
	}
	return a
}

// TestAWSAuthLookup reproduces authenticator.md §4.2 and §4.5: case-insensitive
// comparison with the canonical ARN, roles searched before users, the last of
// duplicates winning.
func TestAWSAuthLookup(t *testing.T) {
	const (
		role  = "arn:aws:iam::111122223333:role/Deployer"
		user  = "arn:aws:iam::111122223333:user/alice"
		other = "arn:aws:iam::111122223333:role/other"
	)
	auth, err := ParseAWSAuth(map[string]string{
		"mapRoles": "- rolearn: " + role + "\n  username: first\n  groups: [g1]\n" +
			"- rolearn: ARN:AWS:IAM::111122223333:ROLE/DEPLOYER\n  username: last\n  groups: [g2]\n" +
			"- rolearn: " + user + "\n  username: user-under-mapRoles\n",
		"mapUsers": "- userarn: " + user + "\n  username: alice-1\n" +
			"- userarn: " + user + "\n  username: alice-2\n" +
			"- userarn: arn:aws:iam::111122223333:user/bob\n  username: bob\n" +
			"- userarn: " + role + "\n  username: role-under-mapUsers\n",
		"mapAccounts": "- 012345678901\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		arn      string
		username string
		groups   []string
		ok       bool
	}{
		{role, "last", []string{"g2"}, true},                                      // duplicate rolearn, case-insensitively: last wins
		{"arn:aws:iam::111122223333:role/deployer", "last", []string{"g2"}, true}, // comparison is EqualFold
		{user, "user-under-mapRoles", nil, true},                                  // roles are searched first, whatever the ARN's kind
		{"arn:aws:iam::111122223333:user/bob", "bob", nil, true},
		{"arn:aws:iam::111122223333:user/BOB", "bob", nil, true},
		{other, "", nil, false},
		{"arn:aws:iam::111122223333:role/path/Deployer", "", nil, false}, // exact otherwise
		{"", "", nil, false},
	} {
		u, g, ok := auth.lookup(c.arn)
		if u != c.username || !reflect.DeepEqual(g, c.groups) || ok != c.ok {
			t.Errorf("lookup(%s) = %q %v %v, want %q %v %v", c.arn, u, g, ok, c.username, c.groups, c.ok)
		}
	}

	// Exact duplicates in mapUsers: the last wins.
	users, _ := ParseAWSAuth(map[string]string{"mapUsers": "- userarn: " + user + "\n  username: alice-1\n- userarn: " + user + "\n  username: alice-2\n"})
	if u, _, ok := users.lookup(user); !ok || u != "alice-2" {
		t.Errorf("duplicate userarn: got %q, want alice-2", u)
	}

	// mapAccounts compares account IDs as strings: the leading zero counts.
	if !auth.allowsAccount("012345678901") || auth.allowsAccount("12345678901") || auth.allowsAccount("111122223333") {
		t.Errorf("allowsAccount wrong for %v", auth.Accounts)
	}

	// An SSO-only entry never matches (SSORoleMatch is off).
	sso, err := ParseAWSAuth(map[string]string{"mapRoles": "- sso: {permissionSetName: Admin, accountID: \"111122223333\"}\n  username: sso\n"})
	if err != nil || len(sso.Roles) != 1 {
		t.Fatalf("sso entry: %+v %v", sso, err)
	}
	if _, _, ok := sso.lookup("arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_0123456789abcdef"); ok {
		t.Error("an sso entry matched")
	}
}
