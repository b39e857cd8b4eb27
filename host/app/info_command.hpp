// SPDX-License-Identifier: MIT
#pragma once
namespace lactosim {
int info_command();
}
