/* rng — Philox4x32-10 (Random123) as a gsl_rng_type, with keyed streams.
 *
 * A stream is named by (seed, population, purpose, replication, person serial,
 * visit): the key holds the seed and a mix of the population and purpose
 * hashes, the counter holds the visit, serial and replication, and its first
 * word counts 4-word blocks within the stream.  rng_stream re-keys an
 * existing gsl_rng in place (no allocation), so one generator per thread
 * serves every stream.  Uniforms are (k + 0.5) / 2^32: never 0 nor 1, so
 * inverse CDFs are always finite. */
#ifndef PARCOURS_RNG_H
#define PARCOURS_RNG_H

#include <Random123/philox.h>
#include <gsl/gsl_rng.h>
#include <stdint.h>

/* The generator type: gsl_rng_alloc(rng_philox()). */
const gsl_rng_type *rng_philox(void);

/* Points r (allocated with rng_philox) at the start of a stream. */
void rng_stream(gsl_rng *r, uint32_t seed, uint32_t population, uint32_t purpose,
                uint32_t replication, uint32_t serial, uint32_t visit);

/* The key word mixing a population and a purpose hash (exposed for collision checks). */
static inline uint32_t rng_mix(uint32_t population, uint32_t purpose)
{
    /* An odd multiplier makes the map purpose -> key a bijection for a fixed population. */
    return purpose ^ (population * 0x9E3779B1u);
}

/* The uniform of a word k of a block: (k + 0.5) / 2^32, as gsl_rng_uniform gives it. */
static inline double rng_unit(uint32_t k)
{
    return ((double)k + 0.5) * (1.0 / 4294967296.0);
}

/* The first block (four words) of a stream: rng_block before the conversion, for a
 * caller that needs only some of its uniforms (rng_unit of a word). */
static inline R123_FORCE_INLINE(philox4x32_ctr_t rng_words(uint32_t seed, uint32_t population,
                                                           uint32_t purpose, uint32_t replication,
                                                           uint32_t serial, uint32_t visit));
static inline philox4x32_ctr_t rng_words(uint32_t seed, uint32_t population, uint32_t purpose,
                                         uint32_t replication, uint32_t serial, uint32_t visit)
{
    philox4x32_key_t key = {{seed, rng_mix(population, purpose)}};
    philox4x32_ctr_t ctr = {{0, visit, serial, replication}};
    return philox4x32(ctr, key);
}

/* The first four uniforms of a stream, as rng_stream then four gsl_rng_uniform
 * calls would give them, without going through a generator.  Inline: the engine
 * draws one block per competing transition at every state it enters. */
static inline void rng_block(uint32_t seed, uint32_t population, uint32_t purpose,
                             uint32_t replication, uint32_t serial, uint32_t visit, double u[4])
{
    philox4x32_ctr_t block = rng_words(seed, population, purpose, replication, serial, visit);
    for (int i = 0; i < 4; i++)
        u[i] = rng_unit(block.v[i]);
}

#endif
