/*
 * NAME
 *	control - the milter's control socket (see control.c)
 * SYNOPSIS
 *	int pf_control_open(const char *path);
 *	void pf_control_start(int fd);
 *	void pf_control_close(const char *path);
 */
#ifndef PF_MILTER_CONTROL_H
#define PF_MILTER_CONTROL_H

int pf_control_open(const char *path);
void pf_control_start(int fd);
void pf_control_close(const char *path);

#endif
