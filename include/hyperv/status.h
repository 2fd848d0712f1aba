/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Status codes carried back to the host in IC replies (HRESULT / Win32
 * values). Internally everything is a negative errno; these appear only
 * where a reply to the host is built.
 */
#ifndef _HYPERV_STATUS_H
#define _HYPERV_STATUS_H

#define HV_S_OK				0x00000000u
#define HV_E_FAIL			0x80004005u
#define HV_S_CONT			0x80070103u /* not found / end of enumeration */
#define HV_E_ACCESSDENIED		0x80070005u /* HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED) */
#define HV_ERROR_PATH_NOT_FOUND		0x80070003u /* HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND) */
#define HV_ERROR_NOT_SUPPORTED		0x80070032u
#define HV_ERROR_MACHINE_LOCKED		0x800704F7u
#define HV_ERROR_DEVICE_NOT_CONNECTED	0x8007048Fu
#define HV_INVALIDARG			0x80070057u
#define HV_GUID_NOTFOUND		0x80041002u
#define HV_ERROR_ALREADY_EXISTS		0x80070050u
#define HV_ERROR_DISK_FULL		0x80070070u

#endif /* _HYPERV_STATUS_H */
