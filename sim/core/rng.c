/* rng — Philox4x32-10 wrapped as a gsl_rng_type (see rng.h). */
#include "rng.h"

#include <string.h>

typedef struct {
    philox4x32_ctr_t ctr; /* ctr.v[0] counts blocks */
    philox4x32_key_t key;
    philox4x32_ctr_t block;
    unsigned used; /* words of block already returned */
} rng_state;

static void philox_set(void *vs, unsigned long int seed)
{
    rng_state *s = vs;
    memset(s, 0, sizeof *s);
    s->key.v[0] = (uint32_t)seed;
    s->key.v[1] = (uint32_t)((uint64_t)seed >> 32);
    s->used = 4;
}

static unsigned long int philox_get(void *vs)
{
    rng_state *s = vs;
    if (s->used == 4) {
        s->block = philox4x32(s->ctr, s->key);
        s->ctr.v[0]++;
        s->used = 0;
    }
    return s->block.v[s->used++];
}

static double philox_get_double(void *vs)
{
    return ((double)philox_get(vs) + 0.5) * (1.0 / 4294967296.0);
}

static const gsl_rng_type rng_philox_type = {
    "philox4x32-10", 0xffffffffUL, 0, sizeof(rng_state), philox_set, philox_get, philox_get_double,
};

const gsl_rng_type *rng_philox(void)
{
    return &rng_philox_type;
}

void rng_stream(gsl_rng *r, uint32_t seed, uint32_t population, uint32_t purpose,
                uint32_t replication, uint32_t serial, uint32_t visit)
{
    rng_state *s = r->state;
    s->key.v[0] = seed;
    s->key.v[1] = rng_mix(population, purpose);
    s->ctr.v[0] = 0;
    s->ctr.v[1] = visit;
    s->ctr.v[2] = serial;
    s->ctr.v[3] = replication;
    s->used = 4;
}
