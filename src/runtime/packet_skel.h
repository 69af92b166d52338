/* SPDX-License-Identifier: BSD-2-Clause */
/* The packet programs' skeleton with the types its .rodata uses. */
#ifndef PKTLENS_PACKET_SKEL_H
#define PKTLENS_PACKET_SKEL_H

#include "records/record.h"
#include "filter/filter.h"
#include "detect/detect.h"
#include "packet.skel.h"

#endif
