# stats.awk - order-statistics summaries and the Mann-Whitney U test, as benchstat does
# them, for the report scripts. Plain POSIX awk (mawk and gawk).
#
#   median(a, n)                 a[1..n] must be sorted (use isort first)
#   ci_rank(n)                   rank k: the 95% interval of the median is [a[k], a[n+1-k]]
#                                (0 when n < 6: no 95% interval exists)
#   mwu_p(x, nx, y, ny)          two-sided p-value: exact when there are no ties and
#                                nx, ny <= 50; otherwise the normal approximation with tie
#                                and continuity correction (scipy's "asymptotic" method)

function isort(a, n,    i, j, v) {
  for (i = 2; i <= n; i++) {
    v = a[i]
    for (j = i - 1; j >= 1 && a[j] > v; j--) a[j + 1] = a[j]
    a[j + 1] = v
  }
}

function median(a, n) {
  if (n == 0) return ""
  return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}

# P(Binomial(n, 1/2) <= k)
function binom_cdf(n, k,    i, p, s) {
  if (k >= n) return 1
  p = 2 ^ -n; s = p
  for (i = 1; i <= k; i++) { p = p * (n - i + 1) / i; s += p }
  return s
}

function ci_rank(n,    k, best) {
  best = 0
  for (k = 1; k <= n / 2; k++) {
    if (binom_cdf(n, k - 1) <= 0.025) best = k
    else break
  }
  return best
}

# erfc to ~1.2e-7 relative error (Chebyshev fit, Numerical Recipes' erfcc)
function erfc(x,    z, t, r) {
  z = x < 0 ? -x : x
  t = 1 / (1 + 0.5 * z)
  r = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + \
      t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + \
      t * (-0.82215223 + t * 0.17087277)))))))))
  return x >= 0 ? r : 2 - r
}

# Number of arrangements with U <= u for sizes m, n: the classic recurrence
# c(m, n, u) = c(m-1, n, u-n) + c(m, n-1, u), built bottom-up.
function mwu_exact_cdf(m, n, u,    i, j, k, cur, prev, total, s, key) {
  # f[i, j, k]: number of sequences of i x's and j y's with U = k
  delete F
  for (i = 0; i <= m; i++)
    for (j = 0; j <= n; j++)
      for (k = 0; k <= i * j; k++) {
        if (i == 0 || j == 0) { F[i, j, k] = (k == 0) ? 1 : 0; continue }
        s = 0
        if (k - j >= 0 && k - j <= (i - 1) * j) s += F[i - 1, j, k - j]
        if (k <= i * (j - 1)) s += F[i, j - 1, k]
        F[i, j, k] = s
      }
  total = 0; s = 0
  for (k = 0; k <= m * n; k++) { total += F[m, n, k]; if (k <= u) s += F[m, n, k] }
  return s / total
}

function mwu_p(x, nx, y, ny,    i, j, all, na, r, t, u1, u2, umin, umax, ties, tsum, mu, sd, z, p, lo, hi, v, rank) {
  if (nx == 0 || ny == 0) return ""
  # Ranks with ties averaged; U1 = R1 - nx(nx+1)/2.
  na = 0
  for (i = 1; i <= nx; i++) { all[++na] = x[i] }
  for (i = 1; i <= ny; i++) { all[++na] = y[i] }
  isort(all, na)
  ties = 0; tsum = 0
  for (i = 1; i <= na; i = j) {
    for (j = i; j <= na && all[j] == all[i]; j++) ;
    t = j - i
    rank[all[i]] = (i + j - 1) / 2
    if (t > 1) { ties = 1; tsum += t * t * t - t }
  }
  r = 0
  for (i = 1; i <= nx; i++) r += rank[x[i]]
  u1 = r - nx * (nx + 1) / 2
  u2 = nx * ny - u1
  umin = u1 < u2 ? u1 : u2
  umax = u1 < u2 ? u2 : u1
  if (!ties && nx <= 50 && ny <= 50) {
    p = 2 * mwu_exact_cdf(nx, ny, umin)
  } else {
    mu = nx * ny / 2
    sd = sqrt(nx * ny / 12 * ((na + 1) - tsum / (na * (na - 1))))
    if (sd == 0) return 1
    z = (umax - mu - 0.5) / sd
    p = erfc(z / sqrt(2))
  }
  return p > 1 ? 1 : p
}
