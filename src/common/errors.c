/* The text of each ps_rc. */
#include "patsift/errors.h"

const char *ps_strerror(ps_rc rc)
{
    switch (rc) {
    case PS_OK: return "ok";
    case PS_END: return "end of input";
    case PS_ENOMEM: return "out of memory";
    case PS_EIO: return "input/output error";
    case PS_EPARSE: return "malformed input";
    case PS_EUSAGE: return "invalid argument";
    case PS_ECORRUPT: return "corrupt data";
    case PS_EUNSUPPORTED: return "unsupported";
    }
    return "unknown error";
}
