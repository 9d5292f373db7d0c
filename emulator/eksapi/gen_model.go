//go:build ignore

// gen_model trims the botocore EKS model to the operations eksemu serves and the
// shapes their inputs reach, keeping only what request validation needs.
//
//	go run gen_model.go ../../../shared/models/eks/2017-11-01/service-2.json > model.json
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
)

var ops = []string{
	"CreateCluster", "DescribeCluster", "ListClusters", "DeleteCluster", "UpdateClusterConfig",
	"DescribeUpdate", "ListUpdates", "CreateAccessEntry", "DescribeAccessEntry", "ListAccessEntries",
	"UpdateAccessEntry", "DeleteAccessEntry", "AssociateAccessPolicy", "DisassociateAccessPolicy",
	"ListAssociatedAccessPolicies", "ListAccessPolicies", "TagResource", "UntagResource", "ListTagsForResource",
}

var keep = map[string]bool{
	"type": true, "required": true, "members": true, "member": true, "key": true, "value": true,
	"min": true, "max": true, "pattern": true, "enum": true, "shape": true, "location": true, "locationName": true,
}

func strip(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range t {
			if k == "members" {
				ms := map[string]any{}
				for name, m := range x.(map[string]any) {
					ms[name] = strip(m)
				}
				out[k] = ms
			} else if keep[k] {
				out[k] = strip(x)
			}
		}
		return out
	}
	return v
}

func main() {
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var m struct {
		Metadata   map[string]any
		Operations map[string]map[string]any
		Shapes     map[string]map[string]any
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	outOps := map[string]any{}
	shapes := map[string]any{}
	var visit func(name string)
	visit = func(name string) {
		if _, ok := shapes[name]; ok {
			return
		}
		s := m.Shapes[name]
		shapes[name] = strip(s)
		var refs []string
		if ms, ok := s["members"].(map[string]any); ok {
			for _, mm := range ms {
				refs = append(refs, mm.(map[string]any)["shape"].(string))
			}
		}
		for _, k := range []string{"member", "key", "value"} {
			if r, ok := s[k].(map[string]any); ok {
				refs = append(refs, r["shape"].(string))
			}
		}
		sort.Strings(refs)
		for _, r := range refs {
			visit(r)
		}
	}
	for _, op := range ops {
		o := m.Operations[op]
		in := o["input"].(map[string]any)["shape"].(string)
		outOps[op] = map[string]any{"http": o["http"], "input": in}
		visit(in)
	}
	out, _ := json.MarshalIndent(map[string]any{
		"source":     "boto/botocore botocore/data/eks/2017-11-01/service-2.json (trimmed by gen_model.go)",
		"apiVersion": m.Metadata["apiVersion"],
		"operations": outOps,
		"shapes":     shapes,
	}, "", " ")
	os.Stdout.Write(append(out, '\n'))
}
