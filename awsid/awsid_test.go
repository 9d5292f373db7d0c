package awsid

import (
	"errors"
	"regexp"
	"testing"
)

func TestParsePrincipal(t *testing.T) {
	tests := []struct {
		arn       string
		want      Principal
		canonical string
	}{
		{"arn:aws:iam::111122223333:user/alice",
			Principal{Partition: "aws", Account: "111122223333", Type: TypeUser, Path: "/", Name: "alice"},
			"arn:aws:iam::111122223333:user/alice"},
		{"arn:aws:iam::111122223333:user/eng/team/bob",
			Principal{Partition: "aws", Account: "111122223333", Type: TypeUser, Path: "/eng/team/", Name: "bob"},
			"arn:aws:iam::111122223333:user/eng/team/bob"},
		{"arn:aws:iam::111122223333:role/admin",
			Principal{Partition: "aws", Account: "111122223333", Type: TypeRole, Path: "/", Name: "admin"},
			"arn:aws:iam::111122223333:role/admin"},
		{"arn:aws:iam::111122223333:role/team/admin",
			Principal{Partition: "aws", Account: "111122223333", Type: TypeRole, Path: "/team/", Name: "admin"},
			"arn:aws:iam::111122223333:role/team/admin"},
		{"arn:aws:iam::111122223333:role/aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS",
			Principal{Partition: "aws", Account: "111122223333", Type: TypeRole, Path: "/aws-service-role/eks.amazonaws.com/", Name: "AWSServiceRoleForAmazonEKS"},
			"arn:aws:iam::111122223333:role/aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS"},
		{"arn:aws:iam::111122223333:root",
			Principal{Partition: "aws", Account: "111122223333", Type: TypeRoot},
			"arn:aws:iam::111122223333:root"},
		// Canonical drops the session and cannot know the role's path.
		{"arn:aws:sts::111122223333:assumed-role/admin/s1",
			Principal{Partition: "aws", Account: "111122223333", Type: TypeAssumedRole, Name: "admin", Session: "s1"},
			"arn:aws:iam::111122223333:role/admin"},
		{"arn:aws:sts::111122223333:assumed-role/admin/i-0123@example.com",
			Principal{Partition: "aws", Account: "111122223333", Type: TypeAssumedRole, Name: "admin", Session: "i-0123@example.com"},
			"arn:aws:iam::111122223333:role/admin"},
		{"arn:aws:sts::111122223333:federated-user/fed",
			Principal{Partition: "aws", Account: "111122223333", Type: TypeFederatedUser, Name: "fed"},
			"arn:aws:sts::111122223333:federated-user/fed"},
		{"arn:aws-cn:iam::111122223333:user/u",
			Principal{Partition: "aws-cn", Account: "111122223333", Type: TypeUser, Path: "/", Name: "u"},
			"arn:aws-cn:iam::111122223333:user/u"},
		{"arn:aws-us-gov:sts::111122223333:assumed-role/r/s",
			Principal{Partition: "aws-us-gov", Account: "111122223333", Type: TypeAssumedRole, Name: "r", Session: "s"},
			"arn:aws-us-gov:iam::111122223333:role/r"},
		{"arn:aws-iso-b:iam::111122223333:role/r",
			Principal{Partition: "aws-iso-b", Account: "111122223333", Type: TypeRole, Path: "/", Name: "r"},
			"arn:aws-iso-b:iam::111122223333:role/r"},
	}
	for _, tc := range tests {
		p, err := ParsePrincipal(tc.arn)
		if err != nil {
			t.Errorf("ParsePrincipal(%q): %v", tc.arn, err)
			continue
		}
		if p != tc.want {
			t.Errorf("ParsePrincipal(%q) = %+v, want %+v", tc.arn, p, tc.want)
		}
		if got := p.String(); got != tc.arn {
			t.Errorf("ParsePrincipal(%q).String() = %q", tc.arn, got)
		}
		if got := p.Canonical(); got != tc.canonical {
			t.Errorf("ParsePrincipal(%q).Canonical() = %q, want %q", tc.arn, got, tc.canonical)
		}
	}
}

func TestParsePrincipalRejects(t *testing.T) {
	for _, s := range []string{
		"",
		"alice",
		"arn:aws:iam::111122223333",
		"arn:aws:iam::111122223333:",
		"arn:foo:iam::111122223333:user/alice", // unknown partition
		"arn:aws:iam:us-east-1:111122223333:user/alice",       // IAM ARNs have no region
		"arn:aws:iam::11112222333:user/alice",                 // 11 digits
		"arn:aws:iam::1111222233334:user/alice",               // 13 digits
		"arn:aws:iam::11112222333a:user/alice",                // not digits
		"arn:aws:iam::111122223333:user/",                     // no name
		"arn:aws:iam::111122223333:role/team/",                // no name after the path
		"arn:aws:iam::111122223333:role//admin",               // empty path segment
		"arn:aws:iam::111122223333:group/admins",              // not a principal
		"arn:aws:iam::111122223333:policy/p",                  // not a principal
		"arn:aws:iam::111122223333:ROOT",                      // case matters
		"arn:aws:iam::111122223333:assumed-role/r/s",          // assumed roles are STS ARNs
		"arn:aws:sts::111122223333:user/alice",                // users are IAM ARNs
		"arn:aws:sts::111122223333:assumed-role/admin",        // no session
		"arn:aws:sts::111122223333:assumed-role/admin/",       // empty session
		"arn:aws:sts::111122223333:assumed-role//s",           // empty role
		"arn:aws:sts::111122223333:assumed-role/a/b/c",        // session with a slash
		"arn:aws:sts::111122223333:federated-user/",           // no name
		"arn:aws:eks:us-east-1:111122223333:cluster/c",        // another service
		"arn:aws:s3:::bucket",                                 // no account
		"arn:aws:iam::aws:policy/AdministratorAccess",         // AWS-managed, not an account
		"arn:aws:sts:us-east-1:111122223333:assumed-role/r/s", // regional STS ARN
	} {
		p, err := ParsePrincipal(s)
		if err == nil {
			t.Errorf("ParsePrincipal(%q) = %+v, want an error", s, p)
			continue
		}
		if !errors.Is(err, ErrNotPrincipal) {
			t.Errorf("ParsePrincipal(%q) error %v does not wrap ErrNotPrincipal", s, err)
		}
	}
}

func TestARNBuilders(t *testing.T) {
	tests := []struct{ got, want string }{
		{UserARN("aws", "111122223333", "/", "u"), "arn:aws:iam::111122223333:user/u"},
		{UserARN("aws", "111122223333", "", "u"), "arn:aws:iam::111122223333:user/u"},
		{UserARN("aws", "111122223333", "/a/b/", "u"), "arn:aws:iam::111122223333:user/a/b/u"},
		{RoleARN("aws-cn", "111122223333", "/x/", "r"), "arn:aws-cn:iam::111122223333:role/x/r"},
		{RootARN("aws", "111122223333"), "arn:aws:iam::111122223333:root"},
		{AssumedRoleARN("aws", "111122223333", "r", "s"), "arn:aws:sts::111122223333:assumed-role/r/s"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestIsAccountID(t *testing.T) {
	for s, want := range map[string]bool{
		"111122223333": true, "000000000000": true, "11112222333": false, "1111222233334": false,
		"11112222333a": false, "": false, "١١١١٢٢٢٢٣٣٣٣": false, // Arabic-Indic digits are not ASCII digits
	} {
		if got := IsAccountID(s); got != want {
			t.Errorf("IsAccountID(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestKnownPartition(t *testing.T) {
	for _, p := range []string{"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"} {
		if !KnownPartition(p) {
			t.Errorf("KnownPartition(%q) = false", p)
		}
	}
	for _, p := range []string{"", "AWS", "aws-xx", "azure"} {
		if KnownPartition(p) {
			t.Errorf("KnownPartition(%q) = true", p)
		}
	}
}

var (
	userIDPattern    = regexp.MustCompile(`^AIDA[A-Z2-7]{17}$`)
	roleIDPattern    = regexp.MustCompile(`^AROA[A-Z2-7]{17}$`)
	keyIDPattern     = regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`)
	tempKeyIDPattern = regexp.MustCompile(`^ASIA[A-Z2-7]{16}$`)
	secretPattern    = regexp.MustCompile(`^[A-Za-z0-9+/]{40}$`)
	uuidPattern      = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	hexGroupsPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	clusterIDPattern = regexp.MustCompile(`^[0-9A-F]{32}$`)
	tokenPattern     = regexp.MustCompile(`^IQoJb3JpZ2luX2VjE[A-Za-z0-9+/]+={0,2}$`)
)

func TestGeneratorShapes(t *testing.T) {
	for name, src := range map[string]Source{"seeded": SeededSource(1), "crypto": CryptoSource()} {
		g := NewGenerator(src)
		seen := map[string]bool{}
		for range 200 {
			for _, c := range []struct {
				kind   string
				v      string
				re     *regexp.Regexp
				length int
			}{
				{"UserID", g.UserID(), userIDPattern, 21},
				{"RoleID", g.RoleID(), roleIDPattern, 21},
				{"AccessKeyID", g.AccessKeyID(), keyIDPattern, 20},
				{"TemporaryAccessKeyID", g.TemporaryAccessKeyID(), tempKeyIDPattern, 20},
				{"SecretAccessKey", g.SecretAccessKey(), secretPattern, 40},
				{"UUID", g.UUID(), uuidPattern, 36},
				{"HexGroups", g.HexGroups(), hexGroupsPattern, 36},
				{"ClusterID", g.ClusterID(), clusterIDPattern, 32},
				{"SessionToken", g.SessionToken(), tokenPattern, 17 + 244},
			} {
				if len(c.v) != c.length || !c.re.MatchString(c.v) {
					t.Fatalf("%s %s = %q (%d chars), want %d chars matching %s", name, c.kind, c.v, len(c.v), c.length, c.re)
				}
				if seen[c.v] {
					t.Fatalf("%s %s repeated %q", name, c.kind, c.v)
				}
				seen[c.v] = true
			}
		}
	}
}

func TestSeededSourceIsDeterministic(t *testing.T) {
	a, b, c := NewGenerator(SeededSource(42)), NewGenerator(SeededSource(42)), NewGenerator(SeededSource(43))
	for range 50 {
		x, y, z := a.AccessKeyID(), b.AccessKeyID(), c.AccessKeyID()
		if x != y {
			t.Fatalf("same seed, different IDs: %s %s", x, y)
		}
		if x == z {
			t.Fatalf("different seeds, same ID %s", x)
		}
	}
}

// TestGeneratorConcurrent draws from one generator on many goroutines (run
// with -race): the source is not safe for concurrent use, the generator is.
func TestGeneratorConcurrent(t *testing.T) {
	g := NewGenerator(SeededSource(3))
	const workers, each = 8, 500
	out := make(chan string, workers*each)
	done := make(chan struct{})
	for range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for range each {
				out <- g.UUID()
			}
		}()
	}
	for range workers {
		<-done
	}
	close(out)
	seen := map[string]bool{}
	for u := range out {
		if seen[u] {
			t.Fatalf("UUID %s drawn twice", u)
		}
		seen[u] = true
	}
	if len(seen) != workers*each {
		t.Fatalf("%d UUIDs, want %d", len(seen), workers*each)
	}
}
