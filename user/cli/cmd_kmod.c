// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * load, unload and status: the module's life cycle through libkmod, with
 * the kernel's terse errno values turned into what to do about them.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libkmod.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cli.h"
#include "format.h"

#define MODULE_NAME	"mmapdemo"
#define SYSFS_MODULE	"/sys/module/" MODULE_NAME

/* libkmod logs its own copy of the errors we report; kmod 29 can stop it. */
#ifdef MMAPDEMO_HAVE_KMOD_REMOVE_NOLOG
#define REMOVE_NOLOG	KMOD_REMOVE_NOLOG
#else
#define REMOVE_NOLOG	0
#endif
#define MAX_PARAMS	32
#define MAX_HOLDERS	32
#define MAX_USERS	8

static void __printf(6, 0) kmod_log(void *data, int priority,
				    const char *file, int line, const char *fn,
				    const char *format, va_list args)
{
	const struct cli *c = data;

	(void)priority;
	(void)file;
	(void)line;
	(void)fn;
	if (!c->verbose)
		return;
	fprintf(stderr, "mmapdemo: %s: libkmod: ", c->cmd);
	vfprintf(stderr, format, args);
}

static struct kmod_ctx *kmod_ctx_new(const struct cli *c)
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);

	if (!ctx) {
		cli_error(c, "cannot create a libkmod context");
		return NULL;
	}
	kmod_set_log_fn(ctx, kmod_log, c);
	if (c->verbose)
		kmod_set_log_priority(ctx, 7);
	return ctx;
}

/* Parameter names compare like the kernel's parameqn(): '-' == '_'. */
static bool param_name_eq(const char *a, size_t alen, const char *b,
			  size_t blen)
{
	size_t i;

	if (alen != blen)
		return false;
	for (i = 0; i < alen; i++) {
		char x = a[i] == '-' ? '_' : a[i];
		char y = b[i] == '-' ? '_' : b[i];

		if (x != y)
			return false;
	}
	return true;
}

/*
 * Since Linux 3.x an unknown module parameter is only a warning in the
 * kernel log and the module loads anyway, so check the names against the
 * module's own modinfo first.  Returns 0 or EXIT_USAGE.
 */
static int check_param_names(const struct cli *c, struct kmod_module *mod,
			     char **params, int nr)
{
	const char *names[MAX_PARAMS];
	size_t lens[MAX_PARAMS];
	struct kmod_list *info = NULL, *l;
	size_t nr_names = 0, i, len;
	char known[256] = "";
	int p, ret = 0;

	if (kmod_module_get_info(mod, &info) < 0 || !info)
		return 0;	/* cannot tell; the kernel will decide */
	kmod_list_foreach(l, info) {
		const char *key = kmod_module_info_get_key(l);
		const char *val = kmod_module_info_get_value(l);
		const char *colon;

		if (strcmp(key, "parm") && strcmp(key, "parmtype"))
			continue;
		if (!val)
			continue;
		colon = strchr(val, ':');
		len = colon ? (size_t)(colon - val) : strlen(val);
		for (i = 0; i < nr_names; i++)
			if (param_name_eq(names[i], lens[i], val, len))
				break;
		if (i == nr_names && nr_names < MAX_PARAMS) {
			names[nr_names] = val;
			lens[nr_names++] = len;
		}
	}

	for (p = 0; p < nr && !ret; p++) {
		const char *eq = strchr(params[p], '=');

		len = eq ? (size_t)(eq - params[p]) : strlen(params[p]);
		for (i = 0; i < nr_names; i++)
			if (param_name_eq(names[i], lens[i], params[p], len))
				break;
		if (i < nr_names)
			continue;
		for (i = 0; i < nr_names; i++)
			snprintf(known + strlen(known),
				 sizeof(known) - strlen(known), "%s%.*s",
				 i ? ", " : "", (int)lens[i], names[i]);
		ret = cli_usage(c, "unknown parameter '%.*s' (%s takes: %s)",
				(int)len, params[p], kmod_module_get_name(mod),
				nr_names ? known : "no parameters");
	}
	kmod_module_info_free_list(info);
	return ret;
}

/* "a=1 b=x y" -> "a=1 b=\"x y\"", as the kernel's parser expects. */
static char *join_params(char **params, int nr)
{
	size_t size = 1;
	char *s, *p;
	int i;

	for (i = 0; i < nr; i++)
		size += strlen(params[i]) + 3;
	s = malloc(size);
	if (!s)
		return NULL;
	p = s;
	*p = '\0';
	for (i = 0; i < nr; i++) {
		const char *eq = strchr(params[i], '=');

		if (i)
			*p++ = ' ';
		if (eq && strpbrk(eq + 1, " \t\n"))
			p += sprintf(p, "%.*s\"%s\"", (int)(eq - params[i] + 1),
				     params[i], eq + 1);
		else
			p += sprintf(p, "%s", params[i]);
	}
	return s;
}

static int read_sysfs_params(struct module_param *params, size_t max)
{
	struct dirent *de;
	size_t nr = 0;
	DIR *dir;

	dir = opendir(SYSFS_MODULE "/parameters");
	if (!dir)
		return 0;
	while ((de = readdir(dir)) && nr < max) {
		char path[PATH_MAX], buf[256];
		ssize_t n;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), SYSFS_MODULE "/parameters/%s",
			 de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n < 0)
			continue;
		while (n > 0 && isspace((unsigned char)buf[n - 1]))
			n--;
		buf[n] = '\0';
		params[nr].name = strdup(de->d_name);
		params[nr].value = strdup(buf);
		if (!params[nr].name || !params[nr].value) {
			free((char *)params[nr].name);
			free((char *)params[nr].value);
			break;
		}
		nr++;
	}
	closedir(dir);
	return nr;
}

static int param_cmp(const void *a, const void *b)
{
	const struct module_param *pa = a, *pb = b;

	return strcmp(pa->name, pb->name);
}

static void free_params(struct module_param *params, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		free((char *)params[i].name);
		free((char *)params[i].value);
	}
}

static int explain_load_error(const struct cli *c, int err, const char *path)
{
	switch (-err) {
	case EEXIST:
		cli_error(c,
			  "module %s is already loaded (first: mmapdemo unload)",
			  MODULE_NAME);
		return EXIT_FAIL;
	case EPERM:
		cli_error(c,
			  "%s: operation not permitted: loading modules needs root (CAP_SYS_MODULE), and module loading must not be disabled or locked down",
			  path);
		return EXIT_PERM;
	case EACCES:
		cli_error(c, "%s: permission denied", path);
		return EXIT_PERM;
	case ENOENT:
		cli_error(c,
			  "%s: module file missing, or the module needs a symbol this kernel does not export (see dmesg)",
			  path);
		return EXIT_FAIL;
	case ENOEXEC:
		cli_error(c,
			  "%s: invalid module format: not a module, or built for another kernel (version magic mismatch; see dmesg)",
			  path);
		return EXIT_FAIL;
	case EKEYREJECTED:
	case EKEYEXPIRED:
	case EKEYREVOKED:
	case ENOKEY:
	case EBADMSG:
		cli_error(c,
			  "%s: module signature rejected: this kernel requires signed modules, and the signature is missing or not trusted (see dmesg)",
			  path);
		return EXIT_FAIL;
	case EINVAL:
		cli_error(c,
			  "%s: invalid argument: the module rejected a parameter value, or its symbol versions do not match this kernel; check dmesg",
			  path);
		return EXIT_FAIL;
	case EBUSY:
		cli_error(c,
			  "module %s is being loaded or unloaded right now; try again",
			  MODULE_NAME);
		return EXIT_FAIL;
	case ENOSYS:
		cli_error(c, "this kernel does not support loadable modules");
		return EXIT_FAIL;
	}
	cli_error(c, "%s: %s", path, strerror(-err));
	return EXIT_FAIL;
}

static int lookup_module(const struct cli *c, struct kmod_ctx *ctx,
			 struct kmod_module **mod)
{
	struct kmod_list *list = NULL;
	struct utsname uts;
	int err;

	err = kmod_module_new_from_lookup(ctx, MODULE_NAME, &list);
	if (!err && list) {
		*mod = kmod_module_get_module(list);
		kmod_module_unref_list(list);
		if (kmod_module_get_path(*mod))
			return EXIT_OK;
		kmod_module_unref(*mod);
		*mod = NULL;
	}
	uname(&uts);
	cli_error(c,
		  "module %s not found in /lib/modules/%s (install it with 'make install', or pass --module PATH/mmapdemo.ko)",
		  MODULE_NAME, uts.release);
	return EXIT_NODEV;
}

/*
 * A libkmod context and the module by its name, loaded or not: EXIT_OK,
 * or EXIT_FAIL having said why and freed what was made.
 */
static int module_by_name(const struct cli *c, struct kmod_ctx **ctx,
			  struct kmod_module **mod)
{
	int err;

	*mod = NULL;
	*ctx = kmod_ctx_new(c);
	if (!*ctx)
		return EXIT_FAIL;
	err = kmod_module_new_from_name(*ctx, MODULE_NAME, mod);
	if (err) {
		cli_error(c, "%s", strerror(-err));
		*ctx = kmod_unref(*ctx);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

int cmd_load(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "module", required_argument, NULL, 'm' },
		{ NULL }
	};
	struct module_param params[MAX_PARAMS];
	struct kmod_module *mod = NULL;
	const char *path = NULL;
	struct kmod_ctx *ctx;
	char *options;
	int opt, ret, err, i, nr;

	while ((opt = cli_getopt(c, argc, argv, "m:", opts)) != -1) {
		if (opt != 'm')
			return c->exit;
		path = optarg;
	}
	for (i = optind; i < argc; i++)
		if (!argv[i][0] || argv[i][0] == '=')
			return cli_usage(c, "bad parameter '%s'", argv[i]);

	ctx = kmod_ctx_new(c);
	if (!ctx)
		return EXIT_FAIL;
	if (path) {
		err = kmod_module_new_from_path(ctx, path, &mod);
		if (err == -ENOENT || err == -ENOTDIR) {
			cli_error(c, "%s: module file not found", path);
			ret = EXIT_NODEV;
			goto out;
		}
		if (err) {
			ret = explain_load_error(c, err, path);
			goto out;
		}
	} else {
		ret = lookup_module(c, ctx, &mod);
		if (ret)
			goto out;
	}
	path = kmod_module_get_path(mod);

	ret = check_param_names(c, mod, argv + optind, argc - optind);
	if (ret)
		goto out;
	options = join_params(argv + optind, argc - optind);
	if (!options) {
		cli_error(c, "%s", strerror(ENOMEM));
		ret = EXIT_FAIL;
		goto out;
	}
	err = kmod_module_insert_module(mod, 0, options);
	free(options);
	if (err) {
		ret = explain_load_error(c, err, path);
		goto out;
	}

	printf("loaded %s from %s\n", kmod_module_get_name(mod), path);
	nr = read_sysfs_params(params, MAX_PARAMS);
	qsort(params, nr, sizeof(params[0]), param_cmp);
	for (i = 0; i < nr; i++)
		printf("  %s=%s\n", params[i].name, params[i].value);
	free_params(params, nr);
	ret = EXIT_OK;
out:
	kmod_module_unref(mod);
	kmod_unref(ctx);
	return ret;
}

/* Does process pid have path open or mapped? */
static bool pid_uses(const char *pid, const char *path)
{
	char buf[PATH_MAX + 256], link[PATH_MAX];
	bool found = false;
	struct dirent *de;
	size_t plen = strlen(path);
	FILE *maps;
	DIR *fds;
	ssize_t n;

	snprintf(buf, sizeof(buf), "/proc/%s/maps", pid);
	maps = fopen(buf, "re");
	if (maps) {
		while (!found && fgets(buf, sizeof(buf), maps)) {
			size_t len = strcspn(buf, "\n");

			found = len >= plen && !strncmp(buf + len - plen, path,
							plen);
		}
		fclose(maps);
	}
	snprintf(buf, sizeof(buf), "/proc/%s/fd", pid);
	fds = found ? NULL : opendir(buf);
	while (fds && !found && (de = readdir(fds))) {
		snprintf(buf, sizeof(buf), "/proc/%s/fd/%s", pid, de->d_name);
		n = readlink(buf, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		found = !strcmp(link, path);
	}
	if (fds)
		closedir(fds);
	return found;
}

/* Name the processes that have @device open or mapped; up to *found. */
static void report_users_of(const struct cli *c, const char *device,
			    int *found)
{
	char path[PATH_MAX], comm[64], buf[300];
	struct dirent *de;
	DIR *proc;
	FILE *f;

	if (!realpath(device, path))
		snprintf(path, sizeof(path), "%s", device);
	proc = opendir("/proc");
	while (proc && (de = readdir(proc)) && *found < MAX_USERS) {
		if (!isdigit((unsigned char)de->d_name[0]) ||
		    !pid_uses(de->d_name, path))
			continue;
		snprintf(buf, sizeof(buf), "/proc/%s/comm", de->d_name);
		f = fopen(buf, "re");
		if (!f || !fgets(comm, sizeof(comm), f))
			snprintf(comm, sizeof(comm), "?");
		if (f)
			fclose(f);
		comm[strcspn(comm, "\n")] = '\0';
		cli_error(c, "in use by pid %s (%s)", de->d_name, comm);
		(*found)++;
	}
	if (proc)
		closedir(proc);
}

/*
 * Name the processes that keep the module busy, as far as we can see:
 * users of the --device given, else of every device.
 */
static void report_users(const struct cli *c)
{
	unsigned int n = c->device_set ? 1 : cli_nr_devices(), i;
	char path[32];
	int found = 0;

	for (i = 0; i < n; i++) {
		if (c->device_set)
			report_users_of(c, c->device, &found);
		else if (!mmapdemo_device_path(i, path, sizeof(path)))
			report_users_of(c, path, &found);
	}
}

int cmd_unload(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, OPT_FORCE },
		{ NULL }
	};
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;
	int opt, ret, err, state;

	while ((opt = cli_getopt(c, argc, argv, "", opts)) != -1) {
		if (opt != OPT_FORCE)
			return c->exit;
		return cli_usage(c,
				 "--force is not supported: pages that a process still maps must not go away under it");
	}
	if (cli_no_args(c, argc, argv))
		return EXIT_USAGE;

	ret = module_by_name(c, &ctx, &mod);
	if (ret)
		return ret;
	state = kmod_module_get_initstate(mod);
	if (state == KMOD_MODULE_BUILTIN) {
		cli_error(c,
			  "%s is built into the kernel and cannot be unloaded",
			  MODULE_NAME);
		ret = EXIT_FAIL;
		goto out;
	}
	if (state < 0) {
		cli_error(c, "module %s is not loaded", MODULE_NAME);
		ret = EXIT_NODEV;
		goto out;
	}

	err = kmod_module_remove_module(mod, KMOD_REMOVE_NOWAIT |
					REMOVE_NOLOG);
	switch (-err) {
	case 0:
		printf("unloaded %s\n", MODULE_NAME);
		ret = EXIT_OK;
		break;
	case EAGAIN:
	case EBUSY:
		cli_error(c,
			  "module %s is in use (refcount %d): close %s and unmap it in every process first",
			  MODULE_NAME, kmod_module_get_refcnt(mod), c->device);
		report_users(c);
		ret = EXIT_FAIL;
		break;
	case EPERM:
		cli_error(c,
			  "operation not permitted: unloading modules needs root (CAP_SYS_MODULE)");
		ret = EXIT_PERM;
		break;
	case ENOENT:
		cli_error(c, "module %s is not loaded", MODULE_NAME);
		ret = EXIT_NODEV;
		break;
	default:
		cli_error(c, "%s", strerror(-err));
		ret = EXIT_FAIL;
	}
out:
	kmod_module_unref(mod);
	kmod_unref(ctx);
	return ret;
}

int cmd_status(struct cli *c, int argc, char **argv)
{
	struct module_param params[MAX_PARAMS];
	const char *holders[MAX_HOLDERS];
	struct device_status devices[MMAPDEMO_MAX_DEVICES];
	char paths[MMAPDEMO_MAX_DEVICES][32];
	struct module_status st = {
		.name = MODULE_NAME,
		.state = "not loaded",
		.refcount = -1,
		.core_size = -1,
		.device = c->device,
	};
	struct kmod_list *list, *l;
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;
	bool json = false;
	int state;
	unsigned int i;

	if (!cli_json_only(c, argc, argv, &json))
		return c->exit;
	st.device = c->device;
	st.devices = devices;

	if (module_by_name(c, &ctx, &mod))
		return EXIT_FAIL;

	state = kmod_module_get_initstate(mod);
	if (state >= 0) {
		st.loaded = true;
		st.state = kmod_module_initstate_str(state);
		st.refcount = kmod_module_get_refcnt(mod);
		st.core_size = kmod_module_get_size(mod);
		list = kmod_module_get_holders(mod);
		kmod_list_foreach(l, list) {
			struct kmod_module *h = kmod_module_get_module(l);
			const char *name = kmod_module_get_name(h);
			char *copy = NULL;

			if (st.nr_holders < MAX_HOLDERS && name)
				copy = strdup(name);
			if (copy)
				holders[st.nr_holders++] = copy;
			kmod_module_unref(h);
		}
		kmod_module_unref_list(list);
		st.holders = holders;
		st.nr_params = read_sysfs_params(params, MAX_PARAMS);
		qsort(params, st.nr_params, sizeof(params[0]), param_cmp);
		st.params = params;
		st.device_present = !access(c->device, F_OK);
		/* Every device the module made (devices=). */
		for (i = 0; i < cli_nr_devices(); i++) {
			mmapdemo_device_path(i, paths[i], sizeof(paths[i]));
			devices[i].path = paths[i];
			devices[i].present = !access(paths[i], F_OK);
			st.nr_devices++;
		}
	}

	if (json)
		format_status_json(stdout, &st);
	else
		format_status_text(stdout, &st);

	while (st.nr_holders)
		free((char *)holders[--st.nr_holders]);
	free_params(params, st.nr_params);
	kmod_module_unref(mod);
	kmod_unref(ctx);
	return st.loaded ? EXIT_OK : EXIT_NODEV;
}
