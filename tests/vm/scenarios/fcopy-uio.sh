#!/usr/bin/env bash
# fcopy-uio (6.10 and later): the same as fcopy-chardev, over uio_hv_generic.
SCENARIO=fcopy-uio exec bash "$(dirname "$0")/fcopy-chardev.sh"
