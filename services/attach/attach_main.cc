// curve-attach: the development CLI for volume attach (see dev_cli.h).
#include <string>
#include <vector>

#include "services/attach/dev_cli.h"

int main(int argc, char** argv) {
  return curve::attach::RunDevCli(std::vector<std::string>(argv + 1, argv + argc));
}
