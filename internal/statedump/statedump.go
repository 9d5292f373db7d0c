package statedump

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eksemu/eksemu/emulator/emulatortest"
)

// Account names an account to dump by its root credentials.
type Account = emulatortest.Credentials

// AWS dumps, for each account (root credentials; none means the emulator's
// default root), its IAM users with their access keys (secrets included, read
// from the store), the root's keys and the roles; and for each region (none
// means e.Region) every cluster as DescribeCluster reports it, its updates,
// its tags and its access entries with their policy associations and tags.
func AWS(ctx context.Context, e *emulatortest.Emulator, accounts []Account, regions ...string) (string, error) {
	if len(accounts) == 0 {
		accounts = []Account{e.Root()}
	}
	if len(regions) == 0 {
		regions = []string{e.Region}
	}
	out := map[string]any{}
	for _, root := range accounts {
		id, err := accountOf(ctx, e, root)
		if err != nil {
			return "", err
		}
		iamState, err := dumpIAM(ctx, e, root)
		if err != nil {
			return "", fmt.Errorf("IAM of %s: %w", id, err)
		}
		eksState := map[string]any{}
		for _, region := range regions {
			r, err := dumpEKS(ctx, e, root, region)
			if err != nil {
				return "", fmt.Errorf("EKS of %s in %s: %w", id, region, err)
			}
			eksState[region] = r
		}
		out[id] = map[string]any{"iam": iamState, "eks": eksState}
	}
	return render(out)
}

func accountOf(ctx context.Context, e *emulatortest.Emulator, root Account) (string, error) {
	out, err := e.STS(root).GetCallerIdentity(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("GetCallerIdentity as %s: %w", root.AccessKeyID, err)
	}
	return aws.ToString(out.Account), nil
}

func render(v any) (string, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	return string(b), err
}

func dumpIAM(ctx context.Context, e *emulatortest.Emulator, root Account) (map[string]any, error) {
	c := e.IAM(root)
	keys := func(user *string) ([]map[string]any, error) {
		out, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: user})
		if err != nil {
			return nil, err
		}
		var list []map[string]any
		for _, k := range out.AccessKeyMetadata {
			cred, err := e.Server.DB().LookupAccessKey(ctx, aws.ToString(k.AccessKeyId))
			if err != nil {
				return nil, fmt.Errorf("secret of %s: %w", aws.ToString(k.AccessKeyId), err)
			}
			list = append(list, map[string]any{"id": aws.ToString(k.AccessKeyId), "status": string(k.Status),
				"user": aws.ToString(k.UserName), "secret": cred.SecretAccessKey})
		}
		sort.Slice(list, func(i, j int) bool { return list[i]["id"].(string) < list[j]["id"].(string) })
		return list, nil
	}
	rootKeys, err := keys(nil)
	if err != nil {
		return nil, err
	}
	users := map[string]any{}
	for p := iam.NewListUsersPaginator(c, &iam.ListUsersInput{}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, u := range page.Users {
			got, err := c.GetUser(ctx, &iam.GetUserInput{UserName: u.UserName})
			if err != nil {
				return nil, err
			}
			g := *got.User
			g.CreateDate, g.PasswordLastUsed = nil, nil
			k, err := keys(u.UserName)
			if err != nil {
				return nil, err
			}
			users[aws.ToString(u.UserName)] = map[string]any{"user": g, "listed": listedUser(u), "accessKeys": k}
		}
	}
	roles := map[string]any{}
	for p := iam.NewListRolesPaginator(c, &iam.ListRolesInput{}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Roles {
			got, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: r.RoleName})
			if err != nil {
				return nil, err
			}
			g := *got.Role
			g.CreateDate = nil
			if g.RoleLastUsed != nil {
				used := *g.RoleLastUsed
				used.LastUsedDate = nil
				g.RoleLastUsed = &used
			}
			roles[aws.ToString(r.RoleName)] = g
		}
	}
	return map[string]any{"rootAccessKeys": rootKeys, "users": users, "roles": roles}, nil
}

// listedUser is what ListUsers says of a user (it must agree with GetUser).
func listedUser(u any) any {
	b, _ := json.Marshal(u)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	delete(m, "CreateDate")
	delete(m, "PasswordLastUsed")
	return m
}

func dumpEKS(ctx context.Context, e *emulatortest.Emulator, root Account, region string) (map[string]any, error) {
	cfg := e.AWSConfig(root)
	cfg.Region = region
	c := eks.NewFromConfig(cfg)
	clusters := map[string]any{}
	for p := eks.NewListClustersPaginator(c, &eks.ListClustersInput{}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, name := range page.Clusters {
			d, err := dumpCluster(ctx, c, name)
			if err != nil {
				return nil, fmt.Errorf("cluster %s: %w", name, err)
			}
			clusters[name] = d
		}
	}
	return clusters, nil
}

func dumpCluster(ctx context.Context, c *eks.Client, name string) (map[string]any, error) {
	n := aws.String(name)
	d, err := c.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: n})
	if err != nil {
		return nil, err
	}
	cl := *d.Cluster
	cl.CreatedAt = nil
	tags, err := c.ListTagsForResource(ctx, &eks.ListTagsForResourceInput{ResourceArn: cl.Arn})
	if err != nil {
		return nil, err
	}
	updates := map[string]any{}
	for p := eks.NewListUpdatesPaginator(c, &eks.ListUpdatesInput{Name: n}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, id := range page.UpdateIds {
			u, err := c.DescribeUpdate(ctx, &eks.DescribeUpdateInput{Name: n, UpdateId: aws.String(id)})
			if err != nil {
				return nil, err
			}
			up := *u.Update
			up.CreatedAt = nil
			updates[id] = up
		}
	}
	entries := map[string]any{}
	if cl.AccessConfig != nil && cl.AccessConfig.AuthenticationMode != "CONFIG_MAP" {
		for p := eks.NewListAccessEntriesPaginator(c, &eks.ListAccessEntriesInput{ClusterName: n}); p.HasMorePages(); {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			for _, arn := range page.AccessEntries {
				d, err := dumpEntry(ctx, c, n, arn)
				if err != nil {
					return nil, fmt.Errorf("access entry %s: %w", arn, err)
				}
				entries[arn] = d
			}
		}
	}
	return map[string]any{"describe": cl, "tags": tags.Tags, "updates": updates, "accessEntries": entries}, nil
}

func dumpEntry(ctx context.Context, c *eks.Client, cluster *string, arn string) (map[string]any, error) {
	d, err := c.DescribeAccessEntry(ctx, &eks.DescribeAccessEntryInput{ClusterName: cluster, PrincipalArn: aws.String(arn)})
	if err != nil {
		return nil, err
	}
	e := *d.AccessEntry
	e.CreatedAt, e.ModifiedAt = nil, nil
	tags, err := c.ListTagsForResource(ctx, &eks.ListTagsForResourceInput{ResourceArn: e.AccessEntryArn})
	if err != nil {
		return nil, err
	}
	var policies []any
	for p := eks.NewListAssociatedAccessPoliciesPaginator(c, &eks.ListAssociatedAccessPoliciesInput{ClusterName: cluster, PrincipalArn: aws.String(arn)}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range page.AssociatedAccessPolicies {
			a.AssociatedAt, a.ModifiedAt = nil, nil
			policies = append(policies, a)
		}
	}
	return map[string]any{"describe": e, "tags": tags.Tags, "accessPolicies": policies}, nil
}

// KubernetesResources are the kinds Kubernetes dumps: what fixtures and
// kubectl users create (namespaces, RBAC bindings, ConfigMaps such as
// aws-auth) and what the cluster's controllers derive from namespaces
// (default service accounts, kube-root-ca.crt). ClusterRoles are left out:
// the aggregation controller rewrites the aggregated ones' rules in an order
// of its own.
var KubernetesResources = []schema.GroupVersionResource{
	{Version: "v1", Resource: "namespaces"},
	{Version: "v1", Resource: "configmaps"},
	{Version: "v1", Resource: "serviceaccounts"},
	{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "roles"},
	{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "rolebindings"},
	{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterrolebindings"},
}

// Kubernetes dumps the KubernetesResources objects of a cluster (reached with
// an administrator's cfg), without what the API server draws anew for every
// object and write: uid, resourceVersion, creationTimestamp and the times of
// managedFields.
func Kubernetes(ctx context.Context, cfg *rest.Config) (string, error) {
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return "", err
	}
	out := map[string]any{}
	for _, gvr := range KubernetesResources {
		list, err := dyn.Resource(gvr).List(ctx, metav1.ListOptions{})
		if err != nil {
			return "", fmt.Errorf("listing %s: %w", gvr.Resource, err)
		}
		objs := map[string]any{}
		for _, o := range list.Items {
			objs[key(o)] = strip(o).Object
		}
		out[gvr.GroupResource().String()] = objs
	}
	return render(out)
}

func key(o unstructured.Unstructured) string {
	if ns := o.GetNamespace(); ns != "" {
		return ns + "/" + o.GetName()
	}
	return o.GetName()
}

func strip(o unstructured.Unstructured) unstructured.Unstructured {
	o = *o.DeepCopy()
	o.SetUID("")
	o.SetResourceVersion("")
	o.SetCreationTimestamp(metav1.Time{})
	mf := o.GetManagedFields()
	for i := range mf {
		mf[i].Time = nil
	}
	o.SetManagedFields(mf)
	return o
}
