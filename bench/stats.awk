# stats.awk: the statistics bench/execstorm.sh's summary and bench/pool.sh
# share, loaded with awk -f before each script's own program, so that the
# medians and intervals they print are computed the same way.

# median of the space-separated numbers in s.
function median(s,   a, n, i, j, t) {
  n = split(s, a, " ")
  for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
  return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}

# boot90 sets out["lo"] and out["hi"] to a bootstrap 90% interval of the
# median of x[1..k]: 2000 resamples, seeded, so that the same rounds give
# the same interval.
function boot90(x, k, out,   i, j, m, t, bs) {
  srand(1)
  for (j = 1; j <= 2000; j++) {
    m = ""
    for (i = 1; i <= k; i++) m = m " " x[int(rand() * k) + 1]
    t = median(m)
    for (i = j - 1; i >= 1 && bs[i] > t; i--) bs[i + 1] = bs[i]
    bs[i + 1] = t
  }
  out["lo"] = bs[int(2000 * 0.05) + 1]; out["hi"] = bs[int(2000 * 0.95)]
}
