#pragma once

// Attach daemons outside their starter's cgroups. In Kubernetes a container restart kills every
// process in the container's cgroups, so a node plugin that starts curve-attachd from inside its
// container would take the daemons (and every mounted volume) down with it. Given the host's
// cgroup file system (e.g. a hostPath of /sys/fs/cgroup), the daemons join a dedicated cgroup
// `<hierarchy>/<name>` in every cgroup v1 hierarchy and in the v2 tree instead.

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/result.h"

namespace curve::attach {

// Creates (when missing) the cgroup `name` at the top of every hierarchy under `root`: `root`
// itself when it is a cgroup2 mount, otherwise each directory of `root` that is a cgroup (v1
// controllers, name=systemd, the hybrid layout's `unified`); symlinked aliases (cpu -> cpu,cpuacct)
// are skipped. A new cpuset cgroup gets its parent's cpus and mems (v1 leaves them empty, which
// refuses tasks). Returns the cgroup directories; INVALID_ARGUMENT naming `root` when it holds no
// cgroup hierarchy, INTERNAL naming the directory and errno when one cannot be created.
Result<std::vector<std::string>> PrepareCgroups(const std::string& root, const std::string& name);

// Moves process `pid` (all its threads) into each of `cgroups` (directories returned by
// PrepareCgroups); the first failure names the cgroup and errno.
Status JoinCgroups(pid_t pid, const std::vector<std::string>& cgroups);

}  // namespace curve::attach
