// Types and function-pointer typedefs only: the loader (libvulkan.so.1) is opened at run time
// (Tensor's `VulkanLibrary`), so the binary starts where no Vulkan loader is installed.
#define VK_NO_PROTOTYPES 1
#include <vulkan/vulkan.h>
