// Prints the golden vector headers of tests/golden/ from the current implementation:
//   limitnet_golden_gen --order   > tests/golden/order_golden.h
//   limitnet_golden_gen --packets > tests/golden/packet_golden.h
// Run it only for an intentional change of the ordering or the bitstream, review the diff,
// and commit it with that change (the tests compare against the checked-in copies).
#include <cstdio>
#include <cstring>
#include <string>

#include "golden_cases.h"

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--order") == 0) {
    std::fputs(limitnet::test::render_order_golden_header().c_str(), stdout);
    return 0;
  }
  if (argc == 2 && std::strcmp(argv[1], "--packets") == 0) {
    std::fputs(limitnet::test::render_packet_golden_header().c_str(), stdout);
    return 0;
  }
  std::fprintf(stderr, "usage: %s --order | --packets\n", argv[0]);
  return 2;
}
