package authn

import (
	"fmt"
	"testing"

	"github.com/eksemu/eksemu/store"
)

// BenchmarkAuthenticate is the work of one TokenReview: token format checks,
// key lookup, SigV4 recomputed, and mapping by mode (an access entry looked up
// by principal ID, or aws-auth parsed and matched). ConfigMaps is an in-memory
// fake, so the aws-auth figure leaves out the GET to the cluster's API server.
func BenchmarkAuthenticate(b *testing.B) {
	for _, mode := range []string{store.ModeAPI, store.ModeConfigMap} {
		b.Run(mode, func(b *testing.B) {
			k := newKubeEnv(b)
			_, dev := k.user(b, "dev", "/")
			_, root := k.user(b, "owner", "/")
			c := k.cluster(b, "bench", "us-east-1", store.ModeConfigMap, root)
			if mode == store.ModeAPI {
				c = k.setMode(b, c, store.ModeAPIAndConfigMap)
				c = k.setMode(b, c, store.ModeAPI)
				if _, err := k.db.CreateAccessEntry(k.ctx, c.ClusterKey, store.CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:user/dev"}); err != nil {
					b.Fatal(err)
				}
			} else {
				roles := ""
				for i := range 50 {
					roles += fmt.Sprintf("- rolearn: arn:aws:iam::111122223333:role/r%d\n  username: r%d\n  groups: [g]\n", i, i)
				}
				k.cms.set(map[string]string{"mapRoles": roles, "mapUsers": "- userarn: arn:aws:iam::111122223333:user/dev\n  username: dev\n  groups: [devs]\n"})
			}
			token := mintToken(b, dev, c.Name, k.clock.Now(), mintOpts{})
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if d := k.kube.Authenticate(k.ctx, c, token); !d.Authenticated {
					b.Fatalf("denied: %s", d.Reason)
				}
			}
		})
	}
}
