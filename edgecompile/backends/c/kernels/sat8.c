#ifndef EC_AMALGAMATED
#include "ec.h"
#endif

EC_API int8_t ec_sat8(int32_t v, int32_t lo, int32_t hi) {
  return (int8_t)(v < lo ? lo : (v > hi ? hi : v));
}
