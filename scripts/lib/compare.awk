# compare.awk - the body of scripts/compare (input: the F/C/S/P lines it builds).
function fmt_time(ns) {
  if (ns < 10) return sprintf("%.3f ns", ns)
  if (ns < 1e4) return sprintf("%.1f ns", ns)
  if (ns < 1e7) return sprintf("%.1f µs", ns / 1e3)
  return sprintf("%.1f ms", ns / 1e6)
}
function cell(v) { gsub(/\|/, "/", v); return v }
function samples(j, name, arr,    k, n) {
  n = cnt[j, name]
  for (k = 1; k <= n; k++) arr[k] = val[j, name, k]
  isort(arr, n)
  return n
}
function fmt_ratio(r) {
  if (r == "-") return "-"
  if (r >= 100) return sprintf("%.0f", r)
  if (r >= 10) return sprintf("%.1f", r)
  return sprintf("%.3f", r)
}

$1 == "F" { file[$2] = $3; if ($2 > nf) nf = $2; next }
$1 == "C" { ctx[$2, $3] = $4; if (!(($3) in ckey)) { ckey[$3] = 1; corder[++nck] = $3 }; next }
$1 == "S" {
  if (!(($3) in seen)) { seen[$3] = 1; order[++nnames] = $3 }
  n = ++cnt[$2, $3]; val[$2, $3, n] = $4 + 0
  next
}
$1 == "P" {
  if (!(($3) in pseen)) { pseen[$3] = 1; porder[++npairs] = $3 }
  pr[$2, $3] = $4; plo[$2, $3] = $5; phi[$2, $3] = $6; pv[$2, $3] = $7
  next
}

END {
  # Benchmarks present in every run.
  ncommon = 0
  for (i = 1; i <= nnames; i++) {
    all = 1
    for (j = 1; j <= nf; j++) if (!((j, order[i]) in cnt)) all = 0
    if (all) common[++ncommon] = order[i]
  }
  if (ncommon == 0) {
    printf "compare: no benchmark in common between %s and the other runs\n", file[1] > "/dev/stderr"
    exit 1
  }

  print "# zcbench comparison"
  print ""
  for (j = 1; j <= nf; j++)
    printf "- run %d: `%s` (%s, %s, commit %s)\n", j, file[j], ctx[j, "host_name"], ctx[j, "date"], ctx[j, "git_commit"]
  print ""

  # What differs between the runs' machines and builds.
  ndiff = 0; same = ""
  for (i = 1; i <= nck; i++) {
    k = corder[i]; d = 0
    for (j = 2; j <= nf; j++) if (ctx[j, k] != ctx[1, k]) d = 1
    if (k == "date") continue
    if (d) diffk[++ndiff] = k
    else same = same (same == "" ? "" : ", ") k
  }
  if (ndiff > 0) {
    printf "| differs |"; for (j = 1; j <= nf; j++) printf " run %d |", j; print ""
    printf "|---|"; for (j = 1; j <= nf; j++) printf "---|"; print ""
    for (i = 1; i <= ndiff; i++) {
      printf "| %s |", diffk[i]
      for (j = 1; j <= nf; j++) printf " %s |", cell(ctx[j, diffk[i]])
      print ""
    }
    print ""
  } else {
    print "The runs' recorded machine and build facts do not differ."
    print ""
  }
  if (same != "") { print "Same in all runs: " same "."; print "" }

  print "Times are medians per iteration with the half-width of their 95% interval; the change is"
  print "against run 1 with a two-sided Mann-Whitney U test (`~`: p > 0.05, not significant)."
  print ""
  printf "| benchmark |"; for (j = 1; j <= nf; j++) printf " run %d |%s", j, (j > 1 ? " vs run 1 |" : "")
  print ""
  printf "|---|"; for (j = 1; j <= nf; j++) printf "---:|%s", (j > 1 ? "---|" : ""); print ""
  for (j = 1; j <= nf; j++) { glog[j] = 0; gn[j] = 0 }
  for (i = 1; i <= ncommon; i++) {
    name = common[i]
    printf "| %s |", name
    delete a
    n1 = samples(1, name, a)
    m1 = median(a, n1)
    for (j = 1; j <= nf; j++) {
      delete b
      nj = samples(j, name, b)
      mj = median(b, nj)
      k = ci_rank(nj)
      if (k > 0 && mj > 0) {
        h1 = b[nj + 1 - k] / mj - 1; h2 = 1 - b[k] / mj
        pm = sprintf(" ±%.1f%%", 100 * (h1 > h2 ? h1 : h2))
      } else pm = ""
      printf " %s%s |", fmt_time(mj), pm
      if (mj > 0 && m1 > 0) { glog[j] += log(mj); gn[j]++ }
      if (j > 1) {
        p = mwu_p(a, n1, b, nj)
        if (p > 0.05) printf " ~ (p=%.3f n=%d+%d) |", p, n1, nj
        else printf " %+.2f%% (p=%.3f n=%d+%d) |", (mj / m1 - 1) * 100, p, n1, nj
      }
    }
    print ""
  }
  printf "| **geomean** |"
  for (j = 1; j <= nf; j++) {
    g[j] = gn[j] ? exp(glog[j] / gn[j]) : 0
    printf " %s |", fmt_time(g[j])
    if (j > 1) printf " %+.2f%% |", (g[1] > 0 ? (g[j] / g[1] - 1) * 100 : 0)
  }
  print ""
  print ""

  if (npairs > 0) {
    print "Pairs: ratio = baseline / zero-copy with its 95% interval, and verdict."
    print ""
    printf "| pair/param |"; for (j = 1; j <= nf; j++) printf " run %d |", j; print " verdict |"
    printf "|---|"; for (j = 1; j <= nf; j++) printf "---|"; print "---|"
    for (i = 1; i <= npairs; i++) {
      pn = porder[i]; moved = "held"; first = ""
      printf "| %s |", pn
      for (j = 1; j <= nf; j++) {
        if (!((j, pn) in pv)) { printf " - |"; moved = "not in every run"; continue }
        printf " %s [%s, %s] %s |", fmt_ratio(pr[j, pn]), fmt_ratio(plo[j, pn]), fmt_ratio(phi[j, pn]), pv[j, pn]
        if (first == "") first = pv[j, pn]
        else if (pv[j, pn] != first && moved == "held") moved = "**changed**"
      }
      print " " moved " |"
    }
    print ""
  }

  nmiss = 0
  for (i = 1; i <= nnames; i++) {
    inr = ""
    for (j = 1; j <= nf; j++) if ((j, order[i]) in cnt) inr = inr (inr == "" ? "" : ",") j
    if (inr != "" && split(inr, tmp, ",") < nf) miss[++nmiss] = order[i] " (only in run " inr ")"
  }
  if (nmiss > 0) {
    print "Not in every run, so not compared:"
    print ""
    for (i = 1; i <= nmiss; i++) print "- " miss[i]
    print ""
  }
}
