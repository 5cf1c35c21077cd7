/* How test_keyed.c's two ProcessIds were found: Pollard's rho (Brent's
 * cycle finding) on pid -> FNV-1a-64 digest of (rule 0, "WKS-07", pid,
 * "\\Device\\HarddiskVolume3\\secret.txt"), the unkeyed digest rules.c used
 * for access-after-failure until issue 13. About 6e9 steps: two to three
 * minutes of one core, no memory; not built by meson (the answer is in the
 * test). cc -O2 gen_fnv_collision.c && ./a.out */
#include <stdint.h>
#include <stdio.h>
static uint64_t digest(size_t rule, const char *host, uint64_t pid, const char *object)
{
    uint64_t h = 1469598103934665603u ^ rule;
    const char *parts[] = {host ? host : "", object};
    for (int k = 0; k < 2; k++) {
        for (const char *p = parts[k]; *p; p++)
            h = (h ^ (unsigned char)*p) * 1099511628211u;
        h = (h ^ 0xff) * 1099511628211u;
    }
    for (int i = 0; i < 8; i++)
        h = (h ^ ((pid >> (8 * i)) & 0xff)) * 1099511628211u;
    return h;
}
#define F(x) digest(RULE, HOST, (x), OBJ)
#ifndef RULE
#define RULE 0
#endif
#define HOST "WKS-07"
#define OBJ "\\Device\\HarddiskVolume3\\secret.txt"
int main(void)
{
  /* Brent */
  uint64_t x0 = 12345, power=1, lam=1, tort=x0, hare=F(x0);
  while (tort != hare) {
    if (power == lam) { tort = hare; power <<= 1; lam = 0; if (power > (1ull<<40)) return 1; }
    hare = F(hare); lam++;
  }
  fprintf(stderr,"lambda %llu\n",(unsigned long long)lam);
  tort = hare = x0;
  for (uint64_t i=0;i<lam;i++) hare=F(hare);
  uint64_t mu=0;
  uint64_t pt=0, ph=0;
  while (tort != hare) { pt=tort; ph=hare; tort=F(tort); hare=F(hare); mu++; }
  if (mu==0) { fprintf(stderr,"x0 on cycle\n"); return 1; }
  printf("pid1=0x%llx pid2=0x%llx d1=%llx d2=%llx\n",(unsigned long long)pt,(unsigned long long)ph,
     (unsigned long long)F(pt),(unsigned long long)F(ph));
  return 0;
}
