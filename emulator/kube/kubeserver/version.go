package kubeserver

import (
	"encoding/json"
	"net/http"
	"strings"

	basecompatibility "k8s.io/component-base/compatibility"
)

// versionHandler answers GET /version as an EKS control plane does: gitVersion
// v1.X.Y-eks-<hash> and the minor with EKS's "+" suffix; other paths go to next.
func versionHandler(next http.Handler, gitVersion string, ev basecompatibility.EffectiveVersion) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.URL.Path != "/version" && r.URL.Path != "/version/") || r.Method != http.MethodGet || gitVersion == "" || ev == nil {
			next.ServeHTTP(w, r)
			return
		}
		info := ev.Info()
		info.GitVersion = gitVersion
		major, minor, _ := strings.Cut(strings.TrimPrefix(gitVersion, "v"), ".")
		minor, _, _ = strings.Cut(minor, ".")
		info.Major, info.Minor = major, minor+"+"
		info.EmulationMajor, info.EmulationMinor = major, minor
		if _, hash, ok := strings.Cut(gitVersion, "-eks-"); ok {
			info.GitCommit = strings.Repeat(hash, 6)[:40]
		}
		info.GitTreeState = "clean"
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(info)
	})
}
