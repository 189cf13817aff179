/*
 * json.c - what every JSON writer here shares: numbers (JSON has no NaN), intervals,
 * numbers as a result file keeps them, and the atomic result file (a temporary file in
 * the destination's folder, renamed into place; never over an existing file).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "base.h"

json_t *zc_json_number(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

json_t *zc_json_number_digits(double v, int digits)
{
	char buf[40];
	if (!isfinite(v))
		return json_null();
	snprintf(buf, sizeof buf, "%.*g", digits, v);
	return json_real(strtod(buf, NULL));
}

json_t *zc_interval_json(struct zc_interval v)
{
	if (!isfinite(v.value))
		return json_null();
	json_t *o = json_object();
	json_object_set_new(o, "median", zc_json_number(v.value));
	json_object_set_new(o, "ci_low", zc_json_number(v.ci_low));
	json_object_set_new(o, "ci_high", zc_json_number(v.ci_high));
	return o;
}

double zc_json_num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* A number as a result file keeps it (10 significant digits): a run analyses exactly what
 * --reanalyse will read back from its file. */
double zc_json_real10(const json_t *v)
{
	if (!json_is_number(v))
		return NAN;
	char buf[32];
	snprintf(buf, sizeof buf, "%.10g", json_number_value(v));
	return strtod(buf, NULL);
}

int zc_out_open(struct zc_outfile *o, const char *path, char *err, size_t errlen)
{
	memset(o, 0, sizeof *o);
	o->fd = -1;
	if (strlen(path) >= sizeof o->path - 32) {
		snprintf(err, errlen, "--out: path too long");
		return -1;
	}
	snprintf(o->path, sizeof o->path, "%s", path);
	char dirbuf[sizeof o->path];
	snprintf(dirbuf, sizeof dirbuf, "%s", path);
	const char *dir = dirname(dirbuf);

	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "--out %s: directory '%s' does not exist", path, dir);
		return -1;
	}
	if (lstat(path, &st) == 0) {
		snprintf(err, errlen, "--out %s: file exists; results are never overwritten", path);
		return -1;
	}
	/* An unnamed file: nothing appears in the directory until it is complete. */
	o->fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
	if (o->fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		snprintf(o->tmp, sizeof o->tmp, "%s/.zcbench-XXXXXX", dir);
		o->fd = mkstemp(o->tmp);
		if (o->fd >= 0)
			fchmod(o->fd, 0644);
		else
			o->tmp[0] = '\0';
	}
	if (o->fd < 0) {
		snprintf(err, errlen, "--out %s: cannot write in '%s': %s", path, dir, strerror(errno));
		return -1;
	}
	return 0;
}

void zc_out_abort(struct zc_outfile *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (o->tmp[0])
		unlink(o->tmp);
	o->tmp[0] = '\0';
}

int zc_out_commit(struct zc_outfile *o, const char *data, size_t len, char *err, size_t errlen)
{
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(o->fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "writing %s: %s", o->path, strerror(errno));
			zc_out_abort(o);
			return -1;
		}
		off += (size_t)w;
	}
	if (fsync(o->fd) != 0) {
		snprintf(err, errlen, "fsync %s: %s", o->path, strerror(errno));
		zc_out_abort(o);
		return -1;
	}
	int rc;
	if (o->tmp[0]) {
		/* link() fails with EEXIST instead of replacing: never overwrite. */
		rc = link(o->tmp, o->path);
	} else {
		char proc[64];
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", o->fd);
		rc = linkat(AT_FDCWD, proc, AT_FDCWD, o->path, AT_SYMLINK_FOLLOW);
	}
	if (rc != 0) {
		snprintf(err, errlen, "creating %s: %s%s", o->path, strerror(errno),
			 errno == EEXIST ? " (results are never overwritten)" : "");
		zc_out_abort(o);
		return -1;
	}
	zc_out_abort(o); /* closes, and removes the named temp file if there was one */
	return 0;
}

int zc_out_fallback(const char *path, const char *data, size_t len, char *saved, size_t savedlen)
{
	char base[256];
	const char *slash = strrchr(path, '/');
	snprintf(base, sizeof base, "%s", slash ? slash + 1 : path);
	const char *env = getenv("ZCBENCH_FALLBACK_DIR");
	const char *dirs[] = {env, getenv("TMPDIR"), "/var/tmp", "/tmp", "."};
	snprintf(saved, savedlen, "tried $ZCBENCH_FALLBACK_DIR, $TMPDIR, /var/tmp, /tmp, .");
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		if (!dirs[i] || !*dirs[i])
			continue;
		for (int k = 0; k < 100; k++) {
			char p[4096];
			if (k)
				snprintf(p, sizeof p, "%s/zcbench-unsaved-%d-%s", dirs[i], k, base);
			else
				snprintf(p, sizeof p, "%s/zcbench-unsaved-%s", dirs[i], base);
			int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
			if (fd < 0) {
				if (errno == EEXIST)
					continue;
				break;
			}
			size_t off = 0;
			while (off < len) {
				ssize_t w = write(fd, data + off, len - off);
				if (w < 0 && errno == EINTR)
					continue;
				if (w <= 0)
					break;
				off += (size_t)w;
			}
			int ok = off == len && fsync(fd) == 0;
			close(fd);
			if (ok) {
				snprintf(saved, savedlen, "%s", p);
				return 0;
			}
			unlink(p);
			break;
		}
	}
	return -1;
}

/* Appends s to the growing buffer *b (length *n); -1 out of memory. */
static int cat(char **b, size_t *n, const char *s)
{
	size_t k = strlen(s);
	char *g = realloc(*b, *n + k + 1);
	if (!g)
		return -1;
	memcpy(g + *n, s, k + 1);
	*b = g;
	*n += k;
	return 0;
}

char *zc_json_dump_lines(const json_t *doc, int array_digits)
{
	const size_t flags = JSON_REAL_PRECISION(10), aflags = JSON_REAL_PRECISION(array_digits);
	char *b = NULL, *v = NULL;
	size_t n = 0;
	int bad = cat(&b, &n, "{");
	const char *key;
	json_t *val;
	size_t k = 0, i;
	json_object_foreach((json_t *)doc, key, val)
	{
		json_t *ks = json_string(key);
		char *kq = ks ? json_dumps(ks, JSON_ENCODE_ANY) : NULL;
		json_decref(ks);
		bad = bad || !kq || cat(&b, &n, k++ ? ",\n  " : "\n  ") || cat(&b, &n, kq) || cat(&b, &n, ": ");
		free(kq);
		if (json_is_array(val) && json_array_size(val)) {
			json_t *e;
			json_array_foreach(val, i, e)
			{
				v = json_dumps(e, aflags | JSON_COMPACT | JSON_ENCODE_ANY);
				bad = bad || !v || cat(&b, &n, i ? ",\n    " : "[\n    ") || cat(&b, &n, v);
				free(v);
			}
			bad = bad || cat(&b, &n, "\n  ]");
		} else {
			/* Objects indented as the rest of the file is (two spaces per level). */
			v = json_dumps(val, flags | JSON_INDENT(2) | JSON_ENCODE_ANY);
			for (char *c = v, *nl; !bad && c; c = nl ? nl + 1 : NULL) {
				nl = strchr(c, '\n');
				if (nl)
					*nl = '\0';
				bad = cat(&b, &n, c) || (nl && cat(&b, &n, "\n  "));
			}
			bad = bad || !v;
			free(v);
		}
	}
	bad = bad || cat(&b, &n, "\n}\n");
	if (bad) {
		free(b);
		return NULL;
	}
	return b;
}

int zc_gzip(const char *data, size_t len, char **out, size_t *outlen)
{
	z_stream z = {0};
	/* 16 + 15: a gzip wrapper; zlib writes mtime 0 and no name, so equal data gives
	 * equal bytes. */
	if (deflateInit2(&z, 9, Z_DEFLATED, 16 + 15, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	uLong cap = deflateBound(&z, (uLong)len);
	unsigned char *buf = malloc(cap ? cap : 1);
	if (!buf) {
		deflateEnd(&z);
		return -1;
	}
	z.next_in = (unsigned char *)data;
	z.avail_in = (uInt)len;
	z.next_out = buf;
	z.avail_out = (uInt)cap;
	int rc = deflate(&z, Z_FINISH);
	*outlen = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(buf);
		return -1;
	}
	*out = (char *)buf;
	return 0;
}

json_t *zc_json_load_gz(const char *path, char *err, size_t errlen)
{
	gzFile g = gzopen(path, "rb");
	if (!g) {
		snprintf(err, errlen, "%s: %s", path, errno ? strerror(errno) : "cannot open");
		return NULL;
	}
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int got;
	do {
		if (n + 65536 > cap) {
			char *g2 = realloc(buf, cap = cap * 2 + 65536);
			if (!g2) {
				free(buf);
				gzclose(g);
				snprintf(err, errlen, "%s: out of memory", path);
				return NULL;
			}
			buf = g2;
		}
		got = gzread(g, buf + n, 65536);
		if (got > 0)
			n += (size_t)got;
	} while (got > 0);
	int zerr = 0;
	const char *zmsg = got < 0 ? gzerror(g, &zerr) : NULL;
	if (got < 0) {
		snprintf(err, errlen, "%s: %s", path, zmsg ? zmsg : "unreadable gzip data");
		free(buf);
		gzclose(g);
		return NULL;
	}
	gzclose(g);
	json_error_t je;
	json_t *doc = json_loadb(buf ? buf : "", n, 0, &je);
	free(buf);
	if (!doc)
		snprintf(err, errlen, "%s: not readable JSON (%s, line %d)", path, je.text, je.line);
	return doc;
}

/* Bytes into the opened file, or to the fallback (saved gets where; "" when the file
 * itself took them). 0, or 1 with the reason in err. */
static int write_or_fallback(struct zc_outfile *o, const char *path, const char *data, size_t len, char *saved,
			     size_t savedlen, char *err, size_t errlen)
{
	saved[0] = '\0';
	if (o && o->fd >= 0 && zc_out_commit(o, data, len, err, errlen) == 0)
		return 0;
	if (o && o->fd >= 0)
		zc_out_abort(o);
	if (zc_out_fallback(path, data, len, saved, savedlen) == 0)
		return 0;
	return 1;
}

int zc_out_write_pair(struct zc_outfile *o, const char *path, json_t *doc, const json_t *samples,
		      const char *samples_key, int digits, const char *who)
{
	char err[512] = "", saved[4096], dsaved[4096], spath[4096];
	char *stext = json_dumps(samples, JSON_COMPACT | JSON_REAL_PRECISION(10)), *gz = NULL;
	size_t gzlen = 0;
	int rc = 0;
	/* <run>.json's samples: <run>.samples.json.gz beside it. */
	size_t plen = strlen(path);
	int dotjson = plen > 5 && strcmp(path + plen - 5, ".json") == 0;
	snprintf(spath, sizeof spath, "%.*s.samples.json.gz", (int)(dotjson ? plen - 5 : plen), path);
	if (!stext || zc_gzip(stext, strlen(stext), &gz, &gzlen) != 0) {
		free(stext);
		fprintf(stderr, "%s: out of memory writing %s\n", who, spath);
		zc_out_abort(o);
		return 1;
	}
	free(stext);
	struct zc_outfile so = {.fd = -1};
	char serr[512];
	if (zc_out_open(&so, spath, serr, sizeof serr) != 0)
		snprintf(err, sizeof err, "%s", serr);
	/* The samples first: a document never names samples that are not there. */
	if (write_or_fallback(&so, spath, gz, gzlen, saved, sizeof saved, err, sizeof err) != 0) {
		fprintf(stderr, "%s: %s; and no fallback location was writable (%s)\n", who, err, saved);
		free(gz);
		zc_out_abort(o);
		return 1;
	}
	const char *sname = strrchr(saved[0] ? saved : spath, '/');
	sname = sname ? sname + 1 : (saved[0] ? saved : spath);
	json_object_set_new(doc, samples_key, json_string(sname));
	char *text = zc_json_dump_lines(doc, digits);
	if (!text) {
		fprintf(stderr, "%s: out of memory writing %s\n", who, path);
		free(gz);
		zc_out_abort(o);
		return 1;
	}
	if (saved[0]) { /* the samples fell back: the document goes with them */
		zc_out_abort(o);
		fprintf(stderr, "%s: %s; the samples were saved to %s instead\n", who, err, saved);
		rc = 1;
	} else if (zc_out_commit(o, text, strlen(text), err, sizeof err) == 0) {
		fprintf(stderr, "%s: wrote %s and %s\n", who, path, spath);
		free(gz);
		free(text);
		return 0;
	} else {
		/* The document failed where it was asked: both go to the fallback together,
		 * the samples again (the ones in place stay: nothing written is removed). */
		rc = 1;
		if (zc_out_fallback(spath, gz, gzlen, saved, sizeof saved) != 0) {
			fprintf(stderr, "%s: %s; and no fallback location was writable (%s)\n", who, err, saved);
			free(gz);
			free(text);
			return 1;
		}
		sname = strrchr(saved, '/');
		json_object_set_new(doc, samples_key, json_string(sname ? sname + 1 : saved));
		free(text);
		text = zc_json_dump_lines(doc, digits);
		fprintf(stderr, "%s: %s; the samples were saved to %s instead\n", who, err, saved);
	}
	if (text && zc_out_fallback(path, text, strlen(text), dsaved, sizeof dsaved) == 0)
		fprintf(stderr, "%s: the result was saved to %s instead\n", who, dsaved);
	else
		fprintf(stderr, "%s: and no fallback location was writable for the result (%s)\n", who, dsaved);
	free(gz);
	free(text);
	return rc;
}

int zc_out_write_json(struct zc_outfile *o, const char *path, json_t *doc, const char *who)
{
	char err[512], *json = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(10)), *text = NULL;
	int rc = 0;
	if (json && asprintf(&text, "%s\n", json) < 0)
		text = NULL;
	free(json);
	if (!text) {
		fprintf(stderr, "%s: out of memory writing %s\n", who, path);
		rc = 1;
	} else if (zc_out_commit(o, text, strlen(text), err, sizeof err) != 0) {
		char saved[4096];
		if (zc_out_fallback(path, text, strlen(text), saved, sizeof saved) == 0)
			fprintf(stderr, "%s: %s; it was saved to %s instead\n", who, err, saved);
		else
			fprintf(stderr, "%s: %s; and no fallback location was writable (%s)\n", who, err, saved);
		rc = 1;
	} else {
		fprintf(stderr, "%s: wrote %s\n", who, path);
	}
	free(text);
	return rc;
}
