/*
 * attribute_command.c - zcbench attribute --current-models OLD NEW: both results loaded
 * back into the run's data model, analysed again (their models derived from their own
 * machine profiles with today's declarations), and attributed as documents in memory. A
 * model improved since a run was made thereby applies to runs made before it, with no
 * re-measurement: the profiles and the samples are the runs' own.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "app.h"
#include "report.h"

/* A result as today's analysis writes it; NULL with the message printed. */
static json_t *reanalysed(const char *path, struct zc_run *run)
{
	json_t *doc = zc_run_reanalysed(path, "--attribute", run);
	if (!doc)
		return NULL;
	json_t *out = zc_result_json(run, json_deep_copy(json_object_get(doc, "context")));
	json_decref(doc);
	return out;
}

int zc_attribute_current_models(const char *old_path, const char *new_path, FILE *out)
{
	static struct zc_run runs[2];
	json_t *A = reanalysed(old_path, &runs[0]), *B = A ? reanalysed(new_path, &runs[1]) : NULL;
	int rc = A && B ? zc_attribute_docs(A, B, old_path, new_path, "current: derived again from each run's "
								       "profile with today's declarations", out)
			: 2;
	json_decref(A);
	json_decref(B);
	zc_run_free(&runs[0]);
	zc_run_free(&runs[1]);
	return rc;
}
