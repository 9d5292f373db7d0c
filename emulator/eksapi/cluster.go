package eksapi

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/eksemu/eksemu/store"
)

// configMembers are CreateCluster members eksemu keeps as they were sent and
// echoes back (through clusterOut) without interpreting them.
var configMembers = []string{
	"resourcesVpcConfig", "kubernetesNetworkConfig", "logging", "encryptionConfig", "outpostConfig",
	"bootstrapSelfManagedAddons", "upgradePolicy", "zonalShiftConfig", "remoteNetworkConfig",
	"computeConfig", "storageConfig", "deletionProtection", "controlPlaneScalingConfig",
}

type accessConfigIn struct {
	BootstrapClusterCreatorAdminPermissions *bool  `json:"bootstrapClusterCreatorAdminPermissions"`
	AuthenticationMode                      string `json:"authenticationMode"`
}

type createClusterIn struct {
	Name               string            `json:"name"`
	Version            string            `json:"version"`
	RoleArn            string            `json:"roleArn"`
	ClientRequestToken string            `json:"clientRequestToken"`
	Tags               map[string]string `json:"tags"`
	AccessConfig       *accessConfigIn   `json:"accessConfig"`
}

func (s *Server) createCluster(ctx context.Context, c *call) (any, error) {
	var in createClusterIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if t := in.ClientRequestToken; t != "" && (len(t) < 33 || len(t) > 126) {
		return nil, invalidParameter(in.Name, "The client request token parameter must be between 33 and 126 characters.")
	}
	config := map[string]any{}
	for _, k := range configMembers {
		if v, ok := c.input[k]; ok {
			config[k] = v
		}
	}
	raw, err := json.Marshal(config)
	if err != nil {
		return nil, err
	}
	req := store.CreateClusterInput{
		Region: c.region, Name: in.Name, Version: in.Version, RoleARN: in.RoleArn, Config: raw, Tags: in.Tags,
		ClientRequestToken: in.ClientRequestToken, Creator: c.caller,
	}
	if in.AccessConfig != nil {
		req.AuthMode, req.BootstrapAdmin = in.AccessConfig.AuthenticationMode, in.AccessConfig.BootstrapClusterCreatorAdminPermissions
	}
	cl, err := s.deps.DB.CreateCluster(ctx, req)
	if err != nil {
		return nil, err
	}
	if cl.Status == store.StatusCreating && s.deps.Lifecycle != nil {
		s.deps.Lifecycle.ClusterCreated(context.WithoutCancel(ctx), cl)
	}
	return map[string]any{"cluster": clusterOf(cl)}, nil
}

func (s *Server) describeCluster(ctx context.Context, c *call) (any, error) {
	cl, err := s.deps.DB.GetCluster(ctx, c.key())
	if err != nil {
		return nil, err
	}
	return map[string]any{"cluster": clusterOf(cl)}, nil
}

func (s *Server) listClusters(ctx context.Context, c *call) (any, error) {
	names, next, err := s.deps.DB.ListClusters(ctx, c.caller.Account, c.region, c.page())
	if err != nil {
		return nil, err
	}
	if names == nil {
		names = []string{}
	}
	return struct {
		Clusters  []string `json:"clusters"`
		NextToken string   `json:"nextToken,omitempty"`
	}{names, next}, nil
}

func (s *Server) deleteCluster(ctx context.Context, c *call) (any, error) {
	cl, err := s.deps.DB.GetCluster(ctx, c.key())
	if err != nil {
		return nil, err
	}
	var cfg struct {
		DeletionProtection bool `json:"deletionProtection"`
	}
	_ = json.Unmarshal(cl.Config, &cfg)
	if cfg.DeletionProtection {
		// [unknown] text; the behaviour is documented (deletion protection).
		return nil, &apiError{status: 400, code: "InvalidRequestException", cluster: cl.Name,
			msg: fmt.Sprintf("Cannot delete cluster %s because deletion protection is enabled. Disable deletion protection and try again.", cl.Name)}
	}
	cl, err = s.deps.DB.DeleteCluster(ctx, c.key())
	if err != nil {
		return nil, err
	}
	if s.deps.Lifecycle != nil {
		s.deps.Lifecycle.ClusterDeleted(context.WithoutCancel(ctx), cl)
	}
	return map[string]any{"cluster": clusterOf(cl)}, nil
}

// updateKinds maps each UpdateClusterConfig member to its Update type and the
// UpdateParam type its value is reported under.
var updateKinds = []struct{ member, updateType, param string }{
	{"accessConfig", store.UpdateAccessConfig, store.ParamAuthMode},
	{"logging", "LoggingUpdate", "ClusterLogging"},
	{"resourcesVpcConfig", "EndpointAccessUpdate", ""},
	{"upgradePolicy", "UpgradePolicyUpdate", "UpgradePolicy"},
	{"zonalShiftConfig", "ZonalShiftConfigUpdate", "ZonalShiftConfig"},
	{"computeConfig", "AutoModeUpdate", "ComputeConfig"},
	{"kubernetesNetworkConfig", "AutoModeUpdate", "KubernetesNetworkConfig"},
	{"storageConfig", "AutoModeUpdate", "StorageConfig"},
	{"remoteNetworkConfig", "RemoteNetworkConfigUpdate", "RemoteNetworkConfig"},
	{"deletionProtection", "DeletionProtectionUpdate", "DeletionProtection"},
	{"controlPlaneScalingConfig", "ControlPlaneScalingConfigUpdate", "UpdatedTier"},
}

// vpcParams maps resourcesVpcConfig members to UpdateParam types.
var vpcParams = []struct{ member, param string }{
	{"subnetIds", "Subnets"}, {"securityGroupIds", "SecurityGroups"},
	{"endpointPublicAccess", "EndpointPublicAccess"}, {"endpointPrivateAccess", "EndpointPrivateAccess"},
	{"publicAccessCidrs", "PublicAccessCidrs"},
}

func (s *Server) updateClusterConfig(ctx context.Context, c *call) (any, error) {
	name := c.vars["name"]
	var present []int
	for i, k := range updateKinds {
		if _, ok := c.input[k.member]; ok {
			present = append(present, i)
		}
	}
	switch {
	case len(present) > 1:
		return nil, invalidParameter(name, "Only one type of update can be allowed.")
	case len(present) == 0:
		// [unknown] text for an update request that changes nothing.
		return nil, invalidParameter(name, "No changes needed for the cluster configuration provided.")
	}
	kind := updateKinds[present[0]]
	token, _ := c.input["clientRequestToken"].(string)
	in := store.UpdateConfigInput{Type: kind.updateType, ClientRequestToken: token, Delay: s.deps.UpdateDelay}
	value := c.input[kind.member]
	switch kind.member {
	case "accessConfig":
		mode, _ := value.(map[string]any)["authenticationMode"].(string)
		in.AuthMode = mode
	case "resourcesVpcConfig":
		change, params, err := vpcChange(value.(map[string]any))
		if err != nil {
			return nil, err
		}
		// The store merges the change into the cluster's settings in the
		// update's own transaction: a read-merge-write here would let two
		// concurrent partial updates lose one another's change.
		in.Params, in.MergeConfig = params, map[string]json.RawMessage{kind.member: change}
		if slices.ContainsFunc(params, func(p store.UpdateParam) bool { return p.Type == "Subnets" || p.Type == "SecurityGroups" }) {
			in.Type = "VpcConfigUpdate"
		}
	default:
		raw, _ := json.Marshal(value)
		in.Params = []store.UpdateParam{{Type: kind.param, Value: string(raw)}}
		in.Config = map[string]json.RawMessage{kind.member: raw}
	}
	u, err := s.deps.DB.UpdateClusterConfig(ctx, c.key(), in)
	if err != nil {
		return nil, err
	}
	return map[string]any{"update": updateOf(u)}, nil
}

// vpcChange picks the members of a partial resourcesVpcConfig that an update
// changes and reports them as update params.
func vpcChange(change map[string]any) (json.RawMessage, []store.UpdateParam, error) {
	picked := map[string]any{}
	var params []store.UpdateParam
	for _, p := range vpcParams {
		if v, ok := change[p.member]; ok {
			picked[p.member] = v
			raw, _ := json.Marshal(v)
			params = append(params, store.UpdateParam{Type: p.param, Value: string(raw)})
		}
	}
	raw, err := json.Marshal(picked)
	return raw, params, err
}

func (s *Server) describeUpdate(ctx context.Context, c *call) (any, error) {
	u, err := s.deps.DB.DescribeUpdate(ctx, c.key(), c.vars["updateId"])
	if err != nil {
		return nil, err
	}
	return map[string]any{"update": updateOf(u)}, nil
}

func (s *Server) listUpdates(ctx context.Context, c *call) (any, error) {
	ids, next, err := s.deps.DB.ListUpdates(ctx, c.key(), c.page())
	if err != nil {
		return nil, err
	}
	return struct {
		UpdateIDs []string `json:"updateIds"`
		NextToken string   `json:"nextToken,omitempty"`
	}{ids, next}, nil
}

type updateOut struct {
	ID        string              `json:"id"`
	Status    string              `json:"status"`
	Type      string              `json:"type"`
	Params    []store.UpdateParam `json:"params"`
	CreatedAt epoch               `json:"createdAt"`
	Errors    []any               `json:"errors"`
}

func updateOf(u store.Update) updateOut {
	return updateOut{ID: u.ID, Status: u.Status, Type: u.Type, Params: u.Params, CreatedAt: epoch(u.CreatedAt), Errors: []any{}}
}

// clusterOut is the Cluster shape, members in model order (eks-api.md §2.5).
type clusterOut struct {
	Name                    string            `json:"name"`
	Arn                     string            `json:"arn"`
	CreatedAt               epoch             `json:"createdAt"`
	Version                 string            `json:"version"`
	Endpoint                string            `json:"endpoint,omitempty"`
	RoleArn                 string            `json:"roleArn"`
	ResourcesVpcConfig      map[string]any    `json:"resourcesVpcConfig"`
	KubernetesNetworkConfig map[string]any    `json:"kubernetesNetworkConfig"`
	Logging                 any               `json:"logging"`
	Identity                map[string]any    `json:"identity"`
	Status                  string            `json:"status"`
	CertificateAuthority    map[string]string `json:"certificateAuthority"`
	ClientRequestToken      string            `json:"clientRequestToken,omitempty"`
	PlatformVersion         string            `json:"platformVersion"`
	Tags                    map[string]string `json:"tags"`
	EncryptionConfig        any               `json:"encryptionConfig,omitempty"`
	Health                  map[string]any    `json:"health"`
	OutpostConfig           any               `json:"outpostConfig,omitempty"`
	AccessConfig            map[string]string `json:"accessConfig"`
	UpgradePolicy           any               `json:"upgradePolicy"`
	ZonalShiftConfig        any               `json:"zonalShiftConfig,omitempty"`
	RemoteNetworkConfig     any               `json:"remoteNetworkConfig,omitempty"`
	ComputeConfig           any               `json:"computeConfig,omitempty"`
	StorageConfig           any               `json:"storageConfig,omitempty"`
	DeletionProtection      *bool             `json:"deletionProtection,omitempty"`
	ControlPlaneScaling     any               `json:"controlPlaneScalingConfig,omitempty"`
}

// clusterOf renders a cluster: the request's settings with EKS's defaults
// filled in, and identifiers derived from the cluster's UID.
func clusterOf(c store.Cluster) clusterOut {
	var cfg map[string]any
	_ = json.Unmarshal(c.Config, &cfg)
	obj := func(k string) map[string]any {
		if m, ok := cfg[k].(map[string]any); ok {
			return m
		}
		return map[string]any{}
	}
	uid := strings.ToLower(c.UID)
	vpc := obj("resourcesVpcConfig")
	out := map[string]any{
		"subnetIds":              orDefault(vpc["subnetIds"], []any{}),
		"securityGroupIds":       orDefault(vpc["securityGroupIds"], []any{}),
		"clusterSecurityGroupId": "sg-" + uid[15:32],
		"vpcId":                  "vpc-" + uid[:17],
		"endpointPublicAccess":   orDefault(vpc["endpointPublicAccess"], true),
		"endpointPrivateAccess":  orDefault(vpc["endpointPrivateAccess"], false),
		"publicAccessCidrs":      orDefault(vpc["publicAccessCidrs"], []any{"0.0.0.0/0"}),
	}
	if m, ok := vpc["controlPlaneEgressMode"]; ok {
		out["controlPlaneEgressMode"] = m
	}
	knc := obj("kubernetesNetworkConfig")
	netOut := map[string]any{
		"serviceIpv4Cidr":      orDefault(knc["serviceIpv4Cidr"], "10.100.0.0/16"),
		"ipFamily":             orDefault(knc["ipFamily"], "ipv4"),
		"elasticLoadBalancing": orDefault(knc["elasticLoadBalancing"], map[string]any{"enabled": false}),
	}
	logging := orDefault(cfg["logging"], map[string]any{"clusterLogging": []any{map[string]any{
		"types": []any{"api", "audit", "authenticator", "controllerManager", "scheduler"}, "enabled": false}}})
	ca := map[string]string{}
	if c.CAData != "" && c.Status != store.StatusCreating {
		ca["data"] = c.CAData
	}
	endpoint := ""
	if c.Status != store.StatusCreating {
		endpoint = c.Endpoint
	}
	o := clusterOut{
		Name: c.Name, Arn: c.ARN, CreatedAt: epoch(c.CreatedAt), Version: c.Version, Endpoint: endpoint, RoleArn: c.RoleARN,
		ResourcesVpcConfig: out, KubernetesNetworkConfig: netOut, Logging: logging,
		Identity:             map[string]any{"oidc": map[string]string{"issuer": fmt.Sprintf("https://oidc.eks.%s.amazonaws.com/id/%s", c.Region, c.UID)}},
		Status:               c.Status,
		CertificateAuthority: ca, ClientRequestToken: c.ClientRequestToken, PlatformVersion: c.PlatformVersion, Tags: c.Tags,
		EncryptionConfig: cfg["encryptionConfig"], Health: map[string]any{"issues": []any{}}, OutpostConfig: cfg["outpostConfig"],
		AccessConfig:     map[string]string{"authenticationMode": c.AuthMode},
		UpgradePolicy:    orDefault(cfg["upgradePolicy"], map[string]any{"supportType": "EXTENDED"}),
		ZonalShiftConfig: cfg["zonalShiftConfig"], RemoteNetworkConfig: cfg["remoteNetworkConfig"],
		ComputeConfig: cfg["computeConfig"], StorageConfig: cfg["storageConfig"], ControlPlaneScaling: cfg["controlPlaneScalingConfig"],
	}
	if dp, ok := cfg["deletionProtection"].(bool); ok {
		o.DeletionProtection = &dp
	}
	return o
}

func orDefault(v, def any) any {
	if v == nil {
		return def
	}
	return v
}

// overrideMessage swaps a generic validation text for EKS's own where it is known.
func overrideMessage(op string, violations []string) string {
	if op == "CreateCluster" && len(violations) > 0 && strings.HasPrefix(violations[0], "Value '") &&
		strings.Contains(violations[0], "at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern") {
		return "The name parameter contains invalid characters. It should begin with letter or digit and can have any of the following characters: the set of Unicode letters, digits, hyphens and underscores."
	}
	return validationMessage(violations)
}
