/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * In the source tree, the ABI header lives with the driver.  "make install"
 * puts the real driver/uapi/mmapdemo.h beside mmapdemo.h under this name
 * instead of this file, so that <mmapdemo/mmapdemo.h> works both in-tree
 * and installed.
 */
#include "../../driver/uapi/mmapdemo.h"
