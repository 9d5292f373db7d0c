package store

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eksemu/eksemu/awsid"
)

func TestIAMNames(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *DB, _ *testClock) {
		ctx := context.Background()
		tests := []struct {
			name, path string
			wantErr    string
		}{
			{"alice", "", ""},
			{"a+b=c,d.e@f-g_h", "/x/y/", ""},
			{strings.Repeat("a", 64), "/", ""},
			{"", "/", "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"},
			{strings.Repeat("a", 65), "/", "1 validation error detected: Value '" + strings.Repeat("a", 65) + "' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64"},
			{"a b", "/", "1 validation error detected: Value 'a b' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"},
			{"a/b", "/", "1 validation error detected: Value 'a/b' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"},
			{"p1", "x", "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters."},
			{"p2", "/x", "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters."},
			{"p3", "/a b/", "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters."},
		}
		for _, tc := range tests {
			u, err := db.CreateUser(ctx, testAccount, tc.name, tc.path)
			if tc.wantErr != "" {
				wantErr(t, err, KindInvalidParameter, tc.wantErr)
				continue
			}
			noErr(t, err)
			if !userIDPattern(u.ID) {
				t.Errorf("user ID %q", u.ID)
			}
		}
		// Names are unique case-insensitively, and lookups ignore case.
		_, err := db.CreateUser(ctx, testAccount, "ALICE", "/other/")
		wantErr(t, err, KindAlreadyExists, "User with name ALICE already exists.")
		u := must[User](t)(db.GetUser(ctx, testAccount, "Alice"))
		if u.Name != "alice" || u.ARN != "arn:aws:iam::111122223333:user/alice" {
			t.Fatalf("GetUser(Alice) = %+v", u)
		}
		_, err = db.GetUser(ctx, testAccount, "nobody")
		wantErr(t, err, KindNotFound, "The user with name nobody cannot be found.")
		// The same name in another account is another user.
		noErr(t, db.EnsureAccount(ctx, otherAcct, "", ""))
		must[User](t)(db.CreateUser(ctx, otherAcct, "alice", "/"))

		// Roles.
		_, err = db.CreateRole(ctx, RoleInput{Account: testAccount, Name: "r", TrustPolicy: trustAccount(testAccount), MaxSessionDuration: 3599})
		wantErr(t, err, KindInvalidParameter, "1 validation error detected: Value '3599' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600")
		_, err = db.CreateRole(ctx, RoleInput{Account: testAccount, Name: "r", TrustPolicy: trustAccount(testAccount), MaxSessionDuration: 43201})
		wantErr(t, err, KindInvalidParameter, "1 validation error detected: Value '43201' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200")
		r := must[Role](t)(db.CreateRole(ctx, RoleInput{Account: testAccount, Name: "r", Path: "/p/", TrustPolicy: trustAccount(testAccount), Description: "d"}))
		if r.MaxSessionDuration != 3600 || r.ARN != "arn:aws:iam::111122223333:role/p/r" || !strings.HasPrefix(r.ID, "AROA") {
			t.Fatalf("role = %+v", r)
		}
		_, err = db.CreateRole(ctx, RoleInput{Account: testAccount, Name: "R", TrustPolicy: trustAccount(testAccount)})
		wantErr(t, err, KindAlreadyExists, "Role with name R already exists.")
		noErr(t, db.DeleteRole(ctx, testAccount, "R"))
		wantErr(t, db.DeleteRole(ctx, testAccount, "r"), KindNotFound, "The role with name r cannot be found.")
	})
}

func userIDPattern(id string) bool {
	return len(id) == 21 && strings.HasPrefix(id, awsid.PrefixUser)
}

func TestAccessKeys(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *DB, _ *testClock) {
		ctx := context.Background()
		must[User](t)(db.CreateUser(ctx, testAccount, "alice", "/"))
		k1 := must[AccessKey](t)(db.CreateAccessKey(ctx, testAccount, "alice", "", ""))
		k2 := must[AccessKey](t)(db.CreateAccessKey(ctx, testAccount, "ALICE", "", ""))
		if k2.UserName != "alice" {
			t.Fatalf("key's user name %q", k2.UserName)
		}
		_, err := db.CreateAccessKey(ctx, testAccount, "alice", "", "")
		wantErr(t, err, KindLimitExceeded, "Cannot exceed quota for AccessKeysPerUser: 2")
		keys := must[[]AccessKey](t)(db.ListAccessKeys(ctx, testAccount, "alice"))
		if len(keys) != 2 || keys[0].Secret != "" {
			t.Fatalf("ListAccessKeys = %+v (secrets must not be listed)", keys)
		}
		// The root has one key (EnsureAccount) and may have a second.
		must[AccessKey](t)(db.CreateAccessKey(ctx, testAccount, "", "AKIAFIXTUREFIXTURE01", "secret"))
		_, err = db.CreateAccessKey(ctx, testAccount, "", "", "")
		wantErr(t, err, KindLimitExceeded, "")
		// A fixed ID already in use.
		_, err = db.CreateAccessKey(ctx, otherAcctWith(t, db), "", k1.ID, "x")
		wantErr(t, err, KindAlreadyExists, "Access key "+k1.ID+" already exists.")

		// Lookup.
		c := must[Credential](t)(db.LookupAccessKey(ctx, k1.ID))
		if c.SecretAccessKey != k1.Secret || c.Caller.ARN != "arn:aws:iam::111122223333:user/alice" || c.Caller.Type != awsid.TypeUser || c.Caller.Temporary || c.Caller.AccessKeyID != k1.ID {
			t.Fatalf("credential = %+v", c)
		}
		_, err = db.LookupAccessKey(ctx, "AKIANOTAKEYNOTAKEY00")
		wantErr(t, err, KindUnknownKey, "")

		// DeleteUser refuses while keys exist; deleting keys then the user works.
		wantErr(t, db.DeleteUser(ctx, testAccount, "alice"), KindInUse, "Cannot delete entity, must delete access keys first.")
		wantErr(t, db.DeleteAccessKey(ctx, testAccount, "alice", "AKIANOTAKEYNOTAKEY00"), KindNotFound, "The Access Key with id AKIANOTAKEYNOTAKEY00 cannot be found.")
		wantErr(t, db.DeleteAccessKey(ctx, testAccount, "", k1.ID), KindNotFound, "") // not the root's key
		noErr(t, db.DeleteAccessKey(ctx, testAccount, "alice", k1.ID))
		noErr(t, db.DeleteAccessKey(ctx, testAccount, "alice", k2.ID))
		noErr(t, db.DeleteUser(ctx, testAccount, "alice"))
		_, err = db.LookupAccessKey(ctx, k1.ID)
		wantErr(t, err, KindUnknownKey, "")
	})
}

func otherAcctWith(t *testing.T, db *DB) string {
	t.Helper()
	noErr(t, db.EnsureAccount(context.Background(), otherAcct, "", ""))
	return otherAcct
}

func TestEnsureAccount(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *DB, _ *testClock) {
		ctx := context.Background()
		wantErr(t, db.EnsureAccount(ctx, "123", "", ""), KindInvalidParameter, `account ID "123" is not 12 digits`)
		// Idempotent, and it rotates the root secret.
		noErr(t, db.EnsureAccount(ctx, testAccount, rootKeyID, "new-secret"))
		c := must[Credential](t)(db.LookupAccessKey(ctx, rootKeyID))
		if c.SecretAccessKey != "new-secret" || c.Caller.Type != awsid.TypeRoot || c.Caller.ARN != "arn:aws:iam::111122223333:root" || c.Caller.UserID != testAccount {
			t.Fatalf("root credential = %+v", c)
		}
		// The root key of one account cannot become another's.
		wantErr(t, db.EnsureAccount(ctx, otherAcct, rootKeyID, "x"), KindAlreadyExists, "")
	})
}

func TestAssumeRole(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *DB, clock *testClock) {
		ctx := context.Background()
		alice := userCaller(t, db, testAccount, "alice", "/")
		root := rootCaller(t, db)
		// A trust policy cannot name its own role before the role exists (IAM
		// checks principals); it can once it does.
		selfTrust := `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"sts:AssumeRole"},
				{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/team/dev"},"Action":"sts:AssumeRole"}]}`
		_, err := db.CreateRole(ctx, RoleInput{Account: testAccount, Name: "dev", Path: "/team/", MaxSessionDuration: 7200, TrustPolicy: selfTrust})
		wantErr(t, err, KindMalformedPolicy, `Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:role/team/dev"`)
		must[Role](t)(db.CreateRole(ctx, RoleInput{Account: testAccount, Name: "dev", Path: "/team/", MaxSessionDuration: 7200, TrustPolicy: trustAccount(otherAcctWith(t, db))}))
		noErr(t, db.UpdateAssumeRolePolicy(ctx, testAccount, "dev", selfTrust))
		const dev = "arn:aws:iam::111122223333:role/team/dev"
		denied := func(who Caller, arn string) string {
			return fmt.Sprintf("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", who.ARN, arn)
		}

		s := must[Session](t)(db.AssumeRole(ctx, alice, AssumeRoleInput{RoleARN: dev, SessionName: "s1"}))
		if !strings.HasPrefix(s.AccessKeyID, "ASIA") || len(s.SecretAccessKey) != 40 || s.SessionToken == "" || !s.Expires.Equal(clock.Now().Add(time.Hour)) {
			t.Fatalf("session = %+v", s)
		}
		c := s.Caller
		if c.ARN != "arn:aws:sts::111122223333:assumed-role/dev/s1" || c.PrincipalARN != dev || !strings.HasSuffix(c.UserID, ":s1") || c.PrincipalID != c.UserID[:21] {
			t.Fatalf("session caller = %+v", c)
		}
		looked := must[Credential](t)(db.LookupAccessKey(ctx, s.AccessKeyID))
		if looked.SessionToken != s.SessionToken || looked.Caller != c || !looked.Expires.Equal(s.Expires) {
			t.Fatalf("looked-up session = %+v, want %+v", looked, s)
		}
		if looked.Expired(clock.Now().Add(time.Hour-time.Millisecond)) || !looked.Expired(clock.Now().Add(time.Hour)) {
			t.Fatalf("expiry is not at the session's end")
		}

		tests := []struct {
			name   string
			caller Caller
			in     AssumeRoleInput
			kind   Kind
			msg    string
		}{
			{"role path missing", alice, AssumeRoleInput{RoleARN: "arn:aws:iam::111122223333:role/dev", SessionName: "ss"}, KindAccessDenied, denied(alice, "arn:aws:iam::111122223333:role/dev")},
			{"no such role", alice, AssumeRoleInput{RoleARN: "arn:aws:iam::111122223333:role/nope", SessionName: "ss"}, KindAccessDenied, denied(alice, "arn:aws:iam::111122223333:role/nope")},
			{"not a role ARN", alice, AssumeRoleInput{RoleARN: "arn:aws:iam::111122223333:user/alice", SessionName: "ss"}, KindAccessDenied, denied(alice, "arn:aws:iam::111122223333:user/alice")},
			{"not trusted", userCaller(t, db, testAccount, "bob", "/"), AssumeRoleInput{RoleARN: dev, SessionName: "ss"}, KindAccessDenied, ""},
			{"root", root, AssumeRoleInput{RoleARN: dev, SessionName: "ss"}, KindAccessDenied, "Roles may not be assumed by root accounts."},
			{"too long for the role", alice, AssumeRoleInput{RoleARN: dev, SessionName: "ss", Duration: 7201 * time.Second}, KindInvalidParameter, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."},
			{"chained too long", c, AssumeRoleInput{RoleARN: dev, SessionName: "ss", Duration: 3601 * time.Second}, KindInvalidParameter, "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."},
			{"too short", alice, AssumeRoleInput{RoleARN: dev, SessionName: "s1", Duration: 899 * time.Second}, KindInvalidParameter, "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
			{"over 12 hours", alice, AssumeRoleInput{RoleARN: dev, SessionName: "s1", Duration: 43201 * time.Second}, KindInvalidParameter, "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200"},
			{"session name too short", alice, AssumeRoleInput{RoleARN: dev, SessionName: "s"}, KindInvalidParameter, "1 validation error detected: Value 's' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2"},
			{"session name pattern", alice, AssumeRoleInput{RoleARN: dev, SessionName: "a b"}, KindInvalidParameter, "1 validation error detected: Value 'a b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"},
			{"no role ARN", alice, AssumeRoleInput{SessionName: "s1"}, KindInvalidParameter, "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before := dump(t, db)
				_, err := db.AssumeRole(ctx, tc.caller, tc.in)
				wantErr(t, err, tc.kind, tc.msg)
				if dump(t, db) != before {
					t.Fatalf("a refused AssumeRole changed the database")
				}
			})
		}
		// Role chaining within the hour limit works.
		s2 := must[Session](t)(db.AssumeRole(ctx, c, AssumeRoleInput{RoleARN: dev, SessionName: "s2", Duration: time.Hour}))
		if s2.Caller.ARN != "arn:aws:sts::111122223333:assumed-role/dev/s2" {
			t.Fatalf("chained session = %+v", s2.Caller)
		}
		// Sessions outlive their role (as on AWS, until they expire).
		noErr(t, db.DeleteRole(ctx, testAccount, "dev"))
		if got := must[Credential](t)(db.LookupAccessKey(ctx, s.AccessKeyID)); got.Caller.ARN != c.ARN {
			t.Fatalf("session after its role was deleted = %+v", got.Caller)
		}
	})
}

func TestGetSessionToken(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *DB, clock *testClock) {
		ctx := context.Background()
		alice := userCaller(t, db, testAccount, "alice", "/")
		root := rootCaller(t, db)
		tests := []struct {
			who  Caller
			dur  time.Duration
			want time.Duration
		}{
			{alice, 0, 12 * time.Hour},
			{alice, 36 * time.Hour, 36 * time.Hour},
			{root, 0, time.Hour},
			{root, 10 * time.Hour, time.Hour}, // root sessions are capped silently
			{alice, 900 * time.Second, 900 * time.Second},
		}
		for _, tc := range tests {
			s := must[Session](t)(db.GetSessionToken(ctx, tc.who, tc.dur))
			if !s.Expires.Equal(clock.Now().Add(tc.want)) {
				t.Errorf("%s for %s: expires after %s, want %s", tc.who.ARN, tc.dur, s.Expires.Sub(clock.Now()), tc.want)
			}
			c := must[Credential](t)(db.LookupAccessKey(ctx, s.AccessKeyID))
			if c.Caller.ARN != tc.who.ARN || !c.Caller.Temporary || c.SessionToken != s.SessionToken {
				t.Errorf("session of %s resolves to %+v", tc.who.ARN, c.Caller)
			}
		}
		_, err := db.GetSessionToken(ctx, alice, 899*time.Second)
		wantErr(t, err, KindInvalidParameter, "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900")
		_, err = db.GetSessionToken(ctx, alice, 36*time.Hour+time.Second)
		wantErr(t, err, KindInvalidParameter, "1 validation error detected: Value '129601' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 129600")
		temp := alice
		temp.Temporary = true
		_, err = db.GetSessionToken(ctx, temp, 0)
		wantErr(t, err, KindAccessDenied, "Cannot call GetSessionToken with session credentials")
	})
}

// TestConcurrentStoreUse hammers one store from many goroutines with writes
// and reads: none may fail (no SQLITE_BUSY, no lost write).
func TestConcurrentStoreUse(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *DB, _ *testClock) {
		ctx := context.Background()
		k := makeCluster(t, db, "busy", ModeAPI, rootCaller(t, db))
		clusterARN := "arn:aws:eks:us-east-1:111122223333:cluster/busy"
		const workers, each = 8, 12
		var wg sync.WaitGroup
		errs := make(chan error, workers*each*6)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					name := fmt.Sprintf("w%02d-%02d", w, i)
					u, err := db.CreateUser(ctx, testAccount, name, "/")
					if err != nil {
						errs <- err
						continue
					}
					e, err := db.CreateAccessEntry(ctx, k, CreateAccessEntryInput{PrincipalARN: u.ARN, Tags: map[string]string{"a": name}})
					if err != nil {
						errs <- err
						continue
					}
					for _, err := range []error{
						db.TagResource(ctx, e.ARN, map[string]string{"b": name}),
						db.TagResource(ctx, clusterARN, map[string]string{fmt.Sprintf("w%02d", w): fmt.Sprint(i)}),
						func() error { _, err := db.DescribeAccessEntry(ctx, k, u.ARN); return err }(),
						func() error { _, _, err := db.ListAccessEntries(ctx, k, "", Page{Limit: 10}); return err }(),
						func() error { _, err := db.GetCluster(ctx, k); return err }(),
					} {
						if err != nil {
							errs <- err
						}
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("concurrent operation failed: %v", err)
		}
		if n := count(t, db, "access_entries", ""); n != workers*each+1 {
			t.Fatalf("%d entries, want %d", n, workers*each+1)
		}
		if n := count(t, db, "access_entry_tags", ""); n != 2*workers*each {
			t.Fatalf("%d entry tags, want %d", n, 2*workers*each)
		}
		c := must[Cluster](t)(db.GetCluster(ctx, k))
		for w := range workers {
			if c.Tags[fmt.Sprintf("w%02d", w)] != fmt.Sprint(each-1) {
				t.Fatalf("cluster tag of worker %d = %q", w, c.Tags[fmt.Sprintf("w%02d", w)])
			}
		}
	})
}
