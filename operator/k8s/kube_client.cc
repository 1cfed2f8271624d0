#include "operator/k8s/kube_client.h"

namespace curve::k8s {

Result<KubeClient::ListResult> KubeClient::ListAll(const Resource& resource, std::string_view ns,
                                                   ListOptions options) {
  ListResult result;
  options.continue_token.clear();
  while (true) {
    CURVE_ASSIGN_OR_RETURN(ListPage page, List(resource, ns, options));
    for (auto& item : page.items) result.items.push_back(std::move(item));
    if (result.resource_version.empty()) result.resource_version = page.resource_version;
    if (page.continue_token.empty()) return result;
    options.continue_token = std::move(page.continue_token);
  }
}

}  // namespace curve::k8s
