// SPDX-License-Identifier: GPL-2.0
/*
 * A metric's histogram in results.json (ib_histogram.h): the uapi
 * log-linear buckets written sparse, read back checked, merged by the
 * documented rule, and kept on one line in the indented results file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ib_histogram.h"
#include "ib_stats.h"
#include "iommubench.h"

json_t *ib_hist_json(const uint64_t *hist)
{
	json_t *h, *b = json_array();
	size_t i;

	if (!b)
		return NULL;
	for (i = 0; i < IOMMUBENCH_HIST_BUCKETS; i++) {
		json_t *pair;

		if (!hist[i])
			continue;
		pair = json_pack("[II]", (json_int_t)ib_hist_low(i), (json_int_t)hist[i]);
		if (!pair || json_array_append_new(b, pair)) {
			json_decref(b);
			return NULL;
		}
	}
	if (!json_array_size(b)) {
		json_decref(b);
		return NULL;
	}
	h = json_pack("{s:s,s:o}", "scheme", IB_HIST_SCHEME, "buckets", b);
	return h;
}

int ib_hist_from_json(json_t *h, uint64_t *out, char *err, size_t errlen)
{
	const char *scheme = json_string_value(json_object_get(h, "scheme"));
	json_t *b = json_object_get(h, "buckets"), *pair;
	long long prev = -1;
	size_t i;

	memset(out, 0, IOMMUBENCH_HIST_BUCKETS * sizeof(*out));
	if (!json_is_object(h) || !scheme || strcmp(scheme, IB_HIST_SCHEME)) {
		snprintf(err, errlen, "histogram.scheme: %s; expected \"%s\"",
			 scheme ? "another scheme" : "missing", IB_HIST_SCHEME);
		return -1;
	}
	if (!json_is_array(b)) {
		snprintf(err, errlen, "histogram.buckets: expected an array of [lower_ns, count]");
		return -1;
	}
	json_array_foreach(b, i, pair) {
		json_t *lo = json_array_get(pair, 0), *n = json_array_get(pair, 1);
		long long low, cnt;
		size_t k;

		if (json_array_size(pair) != 2 || !json_is_integer(lo) || !json_is_integer(n)) {
			snprintf(err, errlen, "histogram.buckets[%zu]: expected [lower_ns, count]", i);
			return -1;
		}
		low = json_integer_value(lo);
		cnt = json_integer_value(n);
		k = low >= 0 ? ib_hist_bucket((uint64_t)low) : 0;
		if (low < 0 || ib_hist_low(k) != (uint64_t)low) {
			snprintf(err, errlen,
				 "histogram.buckets[%zu]: lower_ns %lld is no bucket's lower bound",
				 i, low);
			return -1;
		}
		if (cnt <= 0) {
			snprintf(err, errlen, "histogram.buckets[%zu]: count %lld; expected >= 1",
				 i, cnt);
			return -1;
		}
		if (low <= prev) {
			snprintf(err, errlen,
				 "histogram.buckets[%zu]: lower_ns %lld not above the previous %lld",
				 i, low, prev);
			return -1;
		}
		prev = low;
		out[k] = (uint64_t)cnt;
	}
	return 0;
}

json_t *ib_hist_json_merge(json_t *a, json_t *b, char *err, size_t errlen)
{
	uint64_t *x = calloc(IOMMUBENCH_HIST_BUCKETS, sizeof(*x));
	uint64_t *y = calloc(IOMMUBENCH_HIST_BUCKETS, sizeof(*y));
	json_t *m = NULL;

	if (!x || !y) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if ((a && ib_hist_from_json(a, x, err, errlen)) ||
	    (b && ib_hist_from_json(b, y, err, errlen)))
		goto out;
	ib_hist_merge(x, y);
	m = ib_hist_json(x);
	if (!m)
		snprintf(err, errlen, "histogram: no samples in either");
out:
	free(x);
	free(y);
	return m;
}

uint64_t ib_hist_json_total(json_t *h)
{
	json_t *pair;
	uint64_t t = 0;
	size_t i;

	if (!json_is_object(h) ||
	    strcmp(json_string_value(json_object_get(h, "scheme")) ?: "", IB_HIST_SCHEME))
		return 0;
	json_array_foreach(json_object_get(h, "buckets"), i, pair) {
		json_int_t n = json_integer_value(json_array_get(pair, 1));

		if (n > 0)
			t += (uint64_t)n;
	}
	return t;
}

/* Copies the JSON string at *r (its opening quote) to *w. */
static void copy_string(char **w, char **r)
{
	*(*w)++ = *(*r)++;
	while (**r && **r != '"') {
		if (**r == '\\' && (*r)[1])
			*(*w)++ = *(*r)++;
		*(*w)++ = *(*r)++;
	}
	if (**r)
		*(*w)++ = *(*r)++;
}

void ib_hist_compact_text(char *text)
{
	static const char key[] = "\"buckets\": [";
	const size_t klen = sizeof(key) - 1;
	char *r = text, *w = text;

	while (*r) {
		int depth;

		if (*r != '"') {
			*w++ = *r++;
			continue;
		}
		if (strncmp(r, key, klen)) {
			copy_string(&w, &r);
			continue;
		}
		memmove(w, r, klen);
		w += klen;
		r += klen;
		for (depth = 1; *r && depth;) {
			if (*r == '"') {
				copy_string(&w, &r);
				continue;
			}
			if (*r == ' ' || *r == '\n' || *r == '\t' || *r == '\r') {
				r++;
				continue;
			}
			depth += *r == '[' ? 1 : *r == ']' ? -1 : 0;
			*w++ = *r++;
		}
	}
	*w = '\0';
}
