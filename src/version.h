/* version.h - the ipcity release version. */
#ifndef IPC_VERSION_H
#define IPC_VERSION_H
#define IPCITY_VERSION "0.1.0"
#endif
