// SPDX-License-Identifier: GPL-2.0
/*
 * libiommubench-mpi.so: the only code that includes <mpi.h>.  The harness
 * dlopens it when an MPI launcher started it with more than one rank
 * (core/ranks.c), so build/iommubench itself needs no MPI at build or run
 * time.  Built by `make build` when pkg-config knows ompi-c (or mpicc is
 * there); any MPI implementation's headers work.
 *
 * Only point-to-point messages, non-blocking on the receiving side: the
 * harness polls with sleeps (a waiting rank burns no CPU that a measuring
 * rank on the same core needs) and gives up on a rank that died.
 */
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

#define IBMPI_ABI 1

int ibmpi_abi(void)
{
	return IBMPI_ABI;
}

/* rank, size, and the rank and size within this node (shared memory). */
int ibmpi_init(int *rank, int *size, int *local_rank, int *local_size)
{
	MPI_Comm node;
	int prov;

	if (MPI_Init_thread(NULL, NULL, MPI_THREAD_SINGLE, &prov) != MPI_SUCCESS)
		return -1;
	/* a dead peer must come back as an error code, never abort us */
	MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
	MPI_Comm_rank(MPI_COMM_WORLD, rank);
	MPI_Comm_size(MPI_COMM_WORLD, size);
	if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, *rank,
				MPI_INFO_NULL, &node) != MPI_SUCCESS)
		return -1;
	MPI_Comm_rank(node, local_rank);
	MPI_Comm_size(node, local_size);
	MPI_Comm_free(&node);
	return 0;
}

int ibmpi_send(int dest, int tag, const void *buf, size_t len)
{
	if (len > (size_t)0x7fffffff)
		return -1;
	return MPI_Send((void *)buf, (int)len, MPI_BYTE, dest, tag, MPI_COMM_WORLD) ==
		       MPI_SUCCESS ? 0 : -1;
}

/*
 * A message from src with tag, if one has arrived: 1 with *buf (malloc'd,
 * NUL-terminated) and *len; 0 when none yet; -1 on error.
 */
int ibmpi_try_recv(int src, int tag, char **buf, size_t *len)
{
	MPI_Status st;
	int flag = 0, n;

	if (MPI_Iprobe(src, tag, MPI_COMM_WORLD, &flag, &st) != MPI_SUCCESS)
		return -1;
	if (!flag)
		return 0;
	MPI_Get_count(&st, MPI_BYTE, &n);
	*buf = malloc((size_t)n + 1);
	if (!*buf)
		return -1;
	if (MPI_Recv(*buf, n, MPI_BYTE, src, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE) !=
	    MPI_SUCCESS) {
		free(*buf);
		return -1;
	}
	(*buf)[n] = '\0';
	*len = (size_t)n;
	return 1;
}

void ibmpi_finalize(void)
{
	MPI_Finalize();
}
