/*
 * errors.c - the error table: messages and names of every PP_E* code.
 *
 * Both are generated from PP_ERRORS in pipeproc.h, so a code can never
 * exist without its message and name.
 */
#include "pipeproc.h"

const char *
pp_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
#define PP_ERROR_TEXT_(name, value, text)                                      \
	case PP_##name:                                                        \
		return text;
		PP_ERRORS(PP_ERROR_TEXT_)
#undef PP_ERROR_TEXT_
	default:
		return "unknown error";
	}
}

const char *
pp_errname(int err)
{
	switch (err) {
	case 0:
		return "PP_OK";
#define PP_ERROR_NAME_(name, value, text)                                      \
	case PP_##name:                                                        \
		return "PP_" #name;
		PP_ERRORS(PP_ERROR_NAME_)
#undef PP_ERROR_NAME_
	default:
		return "PP_EUNKNOWN";
	}
}

#define PP_STR2_(x) #x
#define PP_STR_(x) PP_STR2_(x)

const char *
pp_version(void)
{
	return PP_STR_(PP_VERSION_MAJOR) "." PP_STR_(
	    PP_VERSION_MINOR) "." PP_STR_(PP_VERSION_PATCH);
}
