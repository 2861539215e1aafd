/*
 * no_symbol.c - a shared object that is no pipeproc plugin: it exports
 * a function but no "pipeproc_plugin" descriptor.
 */
int no_symbol_answer(void);

int
no_symbol_answer(void)
{
	return 42;
}
