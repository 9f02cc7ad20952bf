/* signal: the polite stop signals (SIGINT, SIGTERM and SIGHUP, which closing
 * the terminal sends) as one stop request the programs' loops poll at least
 * every 100 ms; a second one ends the process at once. */
#ifndef KTRIO_SIGNAL_H
#define KTRIO_SIGNAL_H

#include <signal.h>

/* Install the handlers for SIGINT, SIGTERM and SIGHUP. The first of them
 * sets the stop flag; a second one writes one line on stderr,
 * "PROGRAM: second signal: exiting at once; UNDONE", and ends the process
 * with status 128 + its number. program and undone (what an immediate exit
 * leaves undone) are copied; longer than 200 bytes, they are cut. */
void kt_signal_install(const char *program, const char *undone);

/* The stop flag: 0 until a stop signal came, then that signal's number. */
volatile sig_atomic_t *kt_signal_flag(void);

/* 128 + the stop signal's number when one came, else otherwise: the exit
 * status of a program stopped before it could do anything. */
int kt_signal_status(int otherwise);

#endif
