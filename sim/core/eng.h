/* eng — one replication: a discrete-event simulation of persons through the states.
 *
 * Continuous time in days from the first day of the start month (negative
 * during a warm-up).  Each person has at most one pending event: the earliest
 * of the latent times drawn for the competing transitions of its state when it
 * entered it, with its destination drawn at the same moment.  A person is drawn
 * on its own until it asks for a unit of a resource; requests and the events of
 * persons holding or waiting for a unit sit in a binary heap that stores their
 * times inline (a cancelled event stays in the heap and is recognised as stale
 * by a generation count when it reaches the top).  The run goes month by month:
 * a month's arrivals are drawn, then the heap serves the events before the next
 * month's start.  Person records are pooled and reused, so memory follows the
 * persons of about one month and those holding or waiting for a unit.
 *
 * Order of events.  Events are processed by time; at one instant:
 *   1. capacity changes (a resource's capacity schedule steps at that time),
 *   2. arrivals of new persons,
 *   3. persons' transitions: those that release a place (the person leaves a
 *      state holding a resource) before all others, then by population (the
 *      hash of its name, then the name) and by the person's serial number in
 *      its population.
 * The order therefore never depends on the order sections are written in.
 * A place released at the instant another person asks for one is free for
 * that person; persons asking at one instant queue in the order above.  At
 * the start, populations place their initial persons in the same population
 * order.  Populations that share no resource and no transition (territories) are
 * run one after the other, each with its own heap: the order above holds within
 * each, and results are those of one heap for all.  Initial persons are placed, not entered: they
 * count in the stocks, not in the entries (in.S) nor in costs per entry.  A warm-up runs the model
 * as in force at the start date (transitions and schedules alike).
 *
 * Random streams: every draw comes from a Philox stream keyed by (seed,
 * replication, population, person serial, purpose), so that two scenarios run
 * with one seed share their random numbers person by person (rng.h).
 *
 * Guards: a person moving ENG_MAX_BURST times at one instant (a cycle of
 * transitions that take no time) stops the run with an input error naming the
 * states; so does a month whose expected arrivals exceed MDL_MAX_PERSONS, and, when
 * set, a replication over its limit of events (eng_set_max_events).
 *
 * A workspace is allocated once per thread and reused for every replication;
 * eng_run allocates only when the persons present outgrow the pool. */
#ifndef PARCOURS_ENG_H
#define PARCOURS_ENG_H

#include <stdint.h>

#include "err.h"
#include "mdl.h"
#include "rec.h"

typedef struct eng_workspace eng_workspace;

eng_workspace *eng_alloc(const mdl_model *m);
void eng_free(eng_workspace *w);

/* Runs replication `replication` of the model with `seed`, filling raw (cleared
 * first).  PC_OK; PC_EINPUT when a guard stops the run (the message says why);
 * PC_EENV on out of memory. */
int eng_run(eng_workspace *w, uint32_t seed, uint32_t replication, rec_raw *raw, pc_err *err);

/* The model's territories (populations sharing no resource and no transition). */
size_t eng_territories(const eng_workspace *w);

/* The territory (0 .. eng_territories(w) - 1) of the population of index pop. */
size_t eng_population_territory(const eng_workspace *w, size_t pop);

/* Later runs draw only the territories t with t % parts == part (0 of 1: all), so that
 * several processes can share a replication: the raw counts of the other territories
 * stay 0 and the drivers are recorded by part 0 only, so the sum of the parts' raw
 * counts is, bit for bit, the raw counts of a whole run. */
void eng_share(eng_workspace *w, size_t part, size_t parts);

/* Stops each later replication with an input error once it has processed max_events
 * events (arrivals, transitions, capacity changes); 0, the default, sets no limit.  A
 * bound for harnesses that run arbitrary models (tests/fuzz/). */
void eng_set_max_events(eng_workspace *w, double max_events);

#endif
