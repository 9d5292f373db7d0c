package kubeserver

import (
	"context"
	"fmt"
	"os"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	genericapiserver "k8s.io/apiserver/pkg/server"
	cacheddiscovery "k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/controller-manager/pkg/informerfactory"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/pkg/controller/certificates/rootcacertpublisher"
	"k8s.io/kubernetes/pkg/controller/clusterroleaggregation"
	"k8s.io/kubernetes/pkg/controller/garbagecollector"
	namespacecontroller "k8s.io/kubernetes/pkg/controller/namespace"
	serviceaccountcontroller "k8s.io/kubernetes/pkg/controller/serviceaccount"
)

// startControllers runs, against the loopback client, the controllers that
// kube-controller-manager would run for ordinary kubectl use: service accounts,
// namespace deletion, garbage collection, kube-root-ca.crt and ClusterRole
// aggregation. It is wired the
// way kube-controller-manager's CreateControllerContext wires them.
func startControllers(hook genericapiserver.PostStartHookContext, loopback *rest.Config, caFile string) error {
	ctx := hook.Context
	cfg := rest.CopyConfig(loopback)
	cfg.QPS, cfg.Burst = 100, 200
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	meta, err := metadata.NewForConfig(cfg)
	if err != nil {
		return err
	}
	rootCA, err := os.ReadFile(caFile)
	if err != nil {
		return err
	}
	const resync = 12 * time.Hour
	shared := informers.NewSharedInformerFactory(client, resync)
	metaInformers := metadatainformer.NewSharedInformerFactory(meta, resync)
	combined := informerfactory.NewInformerFactory(shared, metaInformers)
	restMapper := restmapper.NewDeferredDiscoveryRESTMapper(cacheddiscovery.NewMemCacheClient(client.Discovery()))
	go wait.Until(restMapper.Reset, 30*time.Second, ctx.Done())

	logger := klog.FromContext(ctx)
	sac, err := serviceaccountcontroller.NewServiceAccountsController(logger,
		shared.Core().V1().ServiceAccounts(), shared.Core().V1().Namespaces(), client,
		serviceaccountcontroller.DefaultServiceAccountsControllerOptions())
	if err != nil {
		return fmt.Errorf("service account controller: %w", err)
	}
	nsc := namespacecontroller.NewNamespaceController(ctx, client, meta, client.Discovery().ServerPreferredNamespacedResources,
		shared.Core().V1().Namespaces(), 5*time.Minute, v1.FinalizerKubernetes)
	publisher, err := rootcacertpublisher.NewPublisher(shared.Core().V1().ConfigMaps(), shared.Core().V1().Namespaces(), client, rootCA)
	if err != nil {
		return fmt.Errorf("root CA publisher: %w", err)
	}
	// admin, edit and view are aggregated ClusterRoles: without this controller
	// their rules stay empty and RBAC bindings to them grant nothing.
	aggregation := clusterroleaggregation.NewClusterRoleAggregation(shared.Rbac().V1().ClusterRoles(), client.RbacV1())
	started := make(chan struct{})
	ignored := garbagecollector.DefaultIgnoredResources()
	graph := garbagecollector.NewDependencyGraphBuilder(ctx, meta, restMapper, ignored, combined, started)
	gc, err := garbagecollector.NewComposedGarbageCollector(ctx, client, meta, restMapper, graph)
	if err != nil {
		return fmt.Errorf("garbage collector: %w", err)
	}

	go aggregation.Run(ctx, 1)
	go sac.Run(ctx, 1)
	go nsc.Run(ctx, 5)
	go publisher.Run(ctx, 1)
	go gc.Run(ctx, 5, 30*time.Second)
	go gc.Sync(ctx, client.Discovery(), 30*time.Second)
	shared.Start(ctx.Done())
	metaInformers.Start(ctx.Done())
	close(started)
	// Hold readiness (post-start hooks gate /readyz, hence ACTIVE) until the
	// aggregated ClusterRoles have their rules: a RoleBinding to view, edit or
	// admin made right after ACTIVE must grant what it grants on EKS.
	return wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		for _, name := range []string{"admin", "edit", "view"} {
			role, err := client.RbacV1().ClusterRoles().Get(ctx, name, metav1.GetOptions{})
			if err != nil || len(role.Rules) == 0 {
				return false, nil
			}
		}
		return true, nil
	})
}
