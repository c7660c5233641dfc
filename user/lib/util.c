// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Helpers that need no device: messages, map mode names, size parsing.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mmapdemo.h"

static const char * const mode_names[MMAPDEMO_MODE_COUNT] = {
	[MMAPDEMO_MODE_FAULT] = "fault",
	[MMAPDEMO_MODE_REMAP] = "remap",
};

const char *mmapdemo_strerror(int err)
{
	const char *msg;

	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return "success";
	case ENOENT:
		return "device not found (module not loaded?)";
	case ENODEV:
	case ENXIO:
		return "no such device (module being unloaded?)";
	case EACCES:
		return "permission denied (need root or the device's group)";
	case EPERM:
		return "operation not permitted (need root?)";
	case ENOTTY:
		return "not an mmapdemo device, or a different ABI version";
	case EPROTO:
		return "driver speaks a different ABI version than libmmapdemo";
	case EBUSY:
		return "device or resource busy (map mode set after mmap?)";
	case EINVAL:
		return "invalid argument (bad range or alignment?)";
	case EOVERFLOW:
		return "offset + length overflows";
	case ERANGE:
		return "number out of range";
	case EBADMSG:
		return "ring broken: invalid indices in its shared control page";
	}
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 32)
	msg = strerrordesc_np(err);	/* NULL for an unknown errno */
#else
	/* glibc before 2.32 (Debian 11), other C libraries */
	msg = strerror(err);
#endif
	return msg ? msg : "unknown error";
}

const char *mmapdemo_mode_name(enum mmapdemo_map_mode mode)
{
	if ((unsigned int)mode >= MMAPDEMO_MODE_COUNT)
		return "unknown";
	return mode_names[mode];
}

int mmapdemo_mode_parse(const char *name)
{
	int i;

	if (!name)
		return -EINVAL;
	for (i = 0; i < MMAPDEMO_MODE_COUNT; i++)
		if (!strcasecmp(name, mode_names[i]))
			return i;
	return -EINVAL;
}

/*
 * A decimal (or 0x hexadecimal) number with an optional binary suffix:
 * k/K, m/M or g/G for KiB, MiB and GiB.  Signs, spaces, empty strings and
 * trailing garbage are -EINVAL; anything that does not fit in 64 bits,
 * before or after the suffix, is -ERANGE.
 */
int mmapdemo_parse_size(const char *s, uint64_t *out)
{
	unsigned long long val;
	unsigned int shift = 0;
	char *end;

	if (!s || !out || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (!isxdigit((unsigned char)s[2]))
			return -EINVAL;
		val = strtoull(s + 2, &end, 16);
	} else {
		val = strtoull(s, &end, 10);
	}
	if (errno == ERANGE)
		return -ERANGE;
	if (errno)
		return -EINVAL;
	switch (*end) {
	case '\0':
		break;
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	default:
		return -EINVAL;
	}
	if (shift && end[1] != '\0')
		return -EINVAL;
	if (shift && val > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = (uint64_t)val << shift;
	return 0;
}
