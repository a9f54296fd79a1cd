#ifndef PF_MEMORY_H
#define PF_MEMORY_H

void pf_memory_tune(void);

#endif
