/* SPDX-License-Identifier: MIT */
/*
 * The daemon's state machine: the device, the hooks, the freeze engine,
 * the auto-thaw timer and the state file.
 *
 *   IDLE --FREEZE--> FREEZE_HOOKS --ok--> FREEZING --ok--> FROZEN --THAW--> POST_HOOKS --> IDLE
 *                         |                   |              |                  ^
 *                         +------ failure, auto-thaw, SIGTERM, device reset ----+
 *
 * - FREEZE is answered only when the outcome is known (a deferred reply),
 *   so the loop keeps serving the watchdog, signals and timers meanwhile.
 *   A freeze failure is answered HV_E_FAIL after everything was thawed;
 *   the kernel forwards that status to the host, which fails (or falls
 *   back from) the checkpoint and sends no THAW.
 * - THAW is answered as soon as the filesystems are thawed; the thaw
 *   hooks run afterwards (the kernel allows a THAW only 30 s).
 * - THAW with nothing frozen: HV_S_OK; but after an auto-thaw the next
 *   THAW gets HV_E_FAIL, since the snapshot may have been taken unfrozen.
 * - FREEZE while frozen (the host lost a THAW): thaw, run the thaw hooks,
 *   then freeze afresh; answered when that freeze completes.
 * - From the first FIFREEZE to the last FITHAW, logging is held in memory
 *   and nothing is written anywhere but /run.
 */
#ifndef HV_VSS_MANAGER_H
#define HV_VSS_MANAGER_H

#include <systemd/sd-event.h>

#include "vss-conf.h"
#include "vss-freeze.h"

struct vss_manager;

/* config must outlive the manager. ops: NULL for the real ioctls (tests inject). */
int vss_manager_new(sd_event *event, const struct vss_config *config,
		    const struct vss_freezer_ops *ops, struct vss_manager **ret);
struct vss_manager *vss_manager_free(struct vss_manager *m);

/* Open the device, thaw what an earlier run left frozen. */
int vss_manager_start(struct vss_manager *m);

/* SIGTERM/SIGINT: thaw, run owed thaw hooks, then leave the loop. A second call hurries. */
void vss_manager_stop(struct vss_manager *m);

#endif /* HV_VSS_MANAGER_H */
