/* Calls limitnet_device_open as any firmware does; built with other capacities than the
 * library, it must not link. */
#include "limitnet_device.h"

int main(void) {
  limitnet_device* dev = 0;
  return limitnet_device_open(0, 0, 0, 0, 0, &dev) == LIMITNET_DEVICE_BAD_ARGUMENT ? 0 : 1;
}
