/*
 * topic.h - the topic name rule, shared by the library and the node
 * (SPEC §2): 1 to PP_TOPIC_MAX bytes of [A-Za-z0-9_.-]. Proc and
 * systemProc names follow it too.
 */
#ifndef PP_TOPIC_H
#define PP_TOPIC_H

#include <stdbool.h>
#include <stddef.h>

/* ppi_topic_valid - true for [A-Za-z0-9_.-]{1,PP_TOPIC_MAX}. */
bool ppi_topic_valid(const char *name, size_t len);

#endif
