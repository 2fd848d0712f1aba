# hvtest guest: hands the file copy channel to uio_hv_generic where no
# kernel driver serves it (stock hv_utils from 6.10), the way
# udev/70-hv_fcopy.rules does. Sourced by rc and svc.
FCOPY_CLASS='{34d14be3-dee4-41c8-9ae7-6b174977c192}'

# Whether a kernel driver serves file copy (/dev/vmbus/hv_fcopy): the
# image's hv_utils carries the class's alias (stock up to 6.9, ours on every
# kernel), as udev/70-hv_fcopy.rules asks modprobe. Binding uio_hv_generic
# then would race hv_utils' asynchronous probe.
fcopy_kernel_serves() {
	grep -q 'alias=vmbus:e34bd134e4dec8419ae76b174977c192' \
		"/lib/modules/$(uname -r)/hv_utils.ko" 2>/dev/null
}

fcopy_bind_all() {
	local d name
	fcopy_kernel_serves && return 0
	for d in /sys/bus/vmbus/devices/*; do
		[ "$(cat "$d/class_id" 2>/dev/null)" = "$FCOPY_CLASS" ] || continue
		[ -e "$d/driver" ] && continue
		name=${d##*/}
		# Set before anything may probe it; then the bus probes it again
		# (fails harmlessly while uio_hv_generic is not loaded yet).
		echo uio_hv_generic >"$d/driver_override" 2>/dev/null || continue
		echo "$name" >/sys/bus/vmbus/drivers_probe 2>/dev/null
		if [ -e "$d/driver" ]; then
			echo "hvtest: fcopy channel $name bound to $(basename "$(readlink "$d/driver")")"
		fi
	done
}

# The file copy device the daemon would find: the character device, or a
# channel bound to uio_hv_generic with its uio node.
fcopy_device_present() {
	local d
	[ -e /dev/vmbus/hv_fcopy ] && return 0
	for d in /sys/bus/vmbus/devices/*; do
		[ "$(cat "$d/class_id" 2>/dev/null)" = "$FCOPY_CLASS" ] || continue
		[ "$(basename "$(readlink "$d/driver" 2>/dev/null)")" = uio_hv_generic ] || continue
		ls "$d/uio" >/dev/null 2>&1 && return 0
	done
	return 1
}
