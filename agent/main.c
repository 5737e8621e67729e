/* main.c - command line, exit codes, signals -> agent_run(). */
#include "config.h"
#include <stdio.h>

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("%s\n", PACKAGE_STRING);
    return 0;
}
